#pragma once
// The TLS client context for one route's upstream: certificate verification always on,
// against the system store (OpenSSL's defaults honour SSL_CERT_FILE / SSL_CERT_DIR) plus the
// route's own ca_file when it has one. TLS 1.2 at least.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace saferun::broker {

// Throws std::runtime_error naming the CA file when it cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> make_tls_client_context(const std::string& ca_file);

}  // namespace saferun::broker
