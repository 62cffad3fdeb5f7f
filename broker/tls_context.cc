#include "broker/tls_context.h"

#include <stdexcept>

namespace saferun::broker {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_tls_client_context(const std::string& ca_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context->set_verify_mode(ssl::verify_peer);
  context->set_default_verify_paths();
  if (!ca_file.empty()) {
    boost::system::error_code ec;
    context->load_verify_file(ca_file, ec);
    if (ec) throw std::runtime_error(ca_file + ": cannot load CA file: " + ec.message());
  }
  return context;
}

}  // namespace saferun::broker
