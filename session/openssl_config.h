#pragma once
// OpenSSL reads its configuration — the file OPENSSL_CONF names, and the providers, engines
// and TLS defaults in it — once, at its first use. The session has it read before the command
// starts: the first use would otherwise be the broker's first TLS connection, by which time
// the command (which runs as the same user) could have rewritten a configuration file the user
// can write, and chosen the broker's TLS settings or the code it loads.

namespace saferun::session {

// A configuration OpenSSL cannot read is not an error here: TLS connections fail later, as
// they would without this call.
void read_openssl_configuration();

}  // namespace saferun::session
