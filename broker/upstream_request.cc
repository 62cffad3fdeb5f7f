#include "broker/upstream_request.h"

#include "broker/ascii.h"
#include "broker/header_policy.h"

namespace saferun::broker {

namespace http = boost::beast::http;

std::string host_header(const UpstreamUrl& upstream) {
  std::string host = upstream.host.find(':') != std::string::npos ? "[" + upstream.host + "]" : upstream.host;
  if (upstream.port != (upstream.tls ? 443 : 80)) host += ":" + std::to_string(upstream.port);
  return host;
}

UpstreamRequest make_upstream_request(ClientRequest& client, const Route& route, const Secret& secret,
                                      std::string_view upstream_target) {
  UpstreamRequest upstream;
  upstream.method_string(client.method_string());
  upstream.target(boost::beast::string_view(upstream_target.data(), upstream_target.size()));
  upstream.version(11);
  auto connection_value = client[http::field::connection];
  auto listed = connection_tokens(std::string_view(connection_value.data(), connection_value.size()));
  for (const auto& field : client) {
    auto name = field.name_string();
    auto lower = to_lower(std::string_view(name.data(), name.size()));
    if (forwards_request_header(lower, listed, route.credential.name)) upstream.insert(name, field.value());
  }
  upstream.set(http::field::host, host_header(route.upstream));
  std::string credential;  // reserved up front: no reallocation may leave a copy behind
  credential.reserve(route.credential.prefix.size() + secret.size() + route.credential.suffix.size());
  credential.append(route.credential.prefix);
  credential.append(secret.reveal());
  credential.append(route.credential.suffix);
  upstream.set(route.credential.name, credential);
  wipe(credential);
  upstream.keep_alive(true);
  upstream.body() = std::move(client.body());
  upstream.prepare_payload();
  return upstream;
}

}  // namespace saferun::broker
