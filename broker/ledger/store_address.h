#pragma once
// Where the shared store lives, parsed from its URL:
//   redis://[user@]host[:port][/db]    plain TCP (loopback or a trusted network)
//   rediss://[user@]host[:port][/db]   TLS, the server certificate verified like an upstream's
//   unix:///path/to/redis.sock[?db=N]  a local socket
// A password is never part of the URL: it comes from a secret source, like a provider key.

#include <optional>
#include <string>
#include <string_view>

namespace saferun::broker::ledger {

struct StoreAddress {
  enum class Kind { tcp, tls, unix_socket };
  Kind kind = Kind::tcp;
  std::string host;      // tcp, tls
  int port = 6379;       // tcp, tls
  std::string path;      // unix_socket
  std::string username;  // ACL user; "" = the default user
  int db = 0;

  // The URL again, for messages: never holds a secret because the URL never does.
  std::string display() const;
};

// nullopt with `problem` set ("expected redis://, rediss:// or unix://") when it is not one.
std::optional<StoreAddress> parse_store_address(std::string_view url, std::string& problem);

}  // namespace saferun::broker::ledger
