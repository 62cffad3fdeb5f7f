#include "broker/upstream_request.h"

#include "broker/ascii.h"
#include "broker/header_policy.h"

namespace saferun::broker {

namespace http = boost::beast::http;

namespace {

// The request line and every field, each line ending in CRLF. Field names and values were
// checked by the parser (no CR, LF or NUL can be in them).
std::string serialize_head(const ClientRequest& message) {
  std::string head;
  head.reserve(1024);
  head.append(message.method_string().data(), message.method_string().size());
  head += ' ';
  head.append(message.target().data(), message.target().size());
  head += " HTTP/1.1\r\n";
  for (const auto& field : message) {
    head.append(field.name_string().data(), field.name_string().size());
    head += ": ";
    head.append(field.value().data(), field.value().size());
    head += "\r\n";
  }
  return head;
}

}  // namespace

std::string host_header(const UpstreamUrl& upstream) {
  std::string host = upstream.host.find(':') != std::string::npos ? "[" + upstream.host + "]" : upstream.host;
  if (upstream.port != (upstream.tls ? 443 : 80)) host += ":" + std::to_string(upstream.port);
  return host;
}

Secret credential_line(const Route& route, const Secret& secret) {
  const auto& c = route.credential;
  return Secret::joined({c.name, ": ", c.prefix, secret.reveal(), c.suffix, "\r\n"});
}

UpstreamRequest make_upstream_request(ClientRequest& client, const Route& route, const Secret& line,
                                      std::string_view upstream_target) {
  UpstreamRequest upstream;
  auto& message = upstream.message;
  message.method_string(client.method_string());
  message.target(boost::beast::string_view(upstream_target.data(), upstream_target.size()));
  message.version(11);
  auto connection_value = client[http::field::connection];
  auto listed = connection_tokens(std::string_view(connection_value.data(), connection_value.size()));
  for (const auto& field : client) {
    auto name = field.name_string();
    auto lower = to_lower(std::string_view(name.data(), name.size()));
    if (forwards_request_header(lower, listed, route.credential.name)) message.insert(name, field.value());
  }
  message.set(http::field::host, host_header(route.upstream));
  message.set(http::field::accept_encoding, "identity");  // only a plain body can be scanned for secrets
  message.keep_alive(true);
  message.body() = std::move(client.body());
  message.prepare_payload();
  upstream.head = serialize_head(message);
  upstream.credential_line = &line;
  return upstream;
}

}  // namespace saferun::broker
