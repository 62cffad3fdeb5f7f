#include "broker/upstream_request.h"

#include "broker/ascii.h"
#include "broker/header_policy.h"

#include <charconv>

namespace saferun::broker {

namespace http = boost::beast::http;

namespace {

void append_field(std::string& head, std::string_view name, std::string_view value) {
  head.append(name);
  head += ": ";
  head.append(value);
  head += "\r\n";
}

// Beast's prepare_payload for a request: a length when there is a body, or when the method
// implies one (an empty POST says Content-Length: 0).
bool states_length(http::verb method, std::uint64_t size) {
  return size > 0 || method == http::verb::post || method == http::verb::put || method == http::verb::options;
}

// The Host value appended to `out`: every request's head has one, so it is written in place
// rather than built apart and copied.
void append_host(std::string& out, const UpstreamUrl& upstream) {
  const bool ipv6_literal = upstream.host.find(':') != std::string::npos;
  if (ipv6_literal) out += '[';
  out += upstream.host;
  if (ipv6_literal) out += ']';
  if (upstream.port == (upstream.tls ? 443 : 80)) return;
  char digits[8];
  auto end = std::to_chars(digits, digits + sizeof digits, upstream.port).ptr;
  out += ':';
  out.append(digits, static_cast<std::size_t>(end - digits));
}

}  // namespace

std::string host_header(const UpstreamUrl& upstream) {
  std::string host;
  append_host(host, upstream);
  return host;
}

Secret credential_line(const Route& route, const Secret& secret) {
  const auto& c = route.credential;
  return Secret::joined({c.name, ": ", c.prefix, secret.reveal(), c.suffix, "\r\n"});
}

// The head is written straight from the client's parsed fields (field names and values were
// checked by the parser: no CR, LF or NUL), with no intermediate message to build.
UpstreamRequest make_upstream_request(const ClientHead& client, RequestBody body, const Route& route,
                                      const Secret& line, std::string_view upstream_target) {
  UpstreamRequest upstream;
  auto& head = upstream.head;
  head.reserve(512);
  head.append(client.method_string());
  head += ' ';
  head.append(upstream_target);
  head += " HTTP/1.1\r\n";
  auto listed = connection_listed_names(client);
  for (const auto& field : client) {
    auto name = view(field.name_string());
    if (forwards_request_header(name, listed, route.credential.name)) append_field(head, name, view(field.value()));
  }
  head += "Host: ";
  append_host(head, route.upstream);
  head += "\r\n";
  append_field(head, "Accept-Encoding", "identity");  // only a plain body can be scanned for secrets
  upstream.body = std::move(body);
  const auto size = upstream.body.forwarded_size();
  if (states_length(client.method(), size)) {
    char digits[24];
    auto end_of_digits = std::to_chars(digits, digits + sizeof digits, size).ptr;
    append_field(head, "Content-Length", std::string_view(digits, static_cast<std::size_t>(end_of_digits - digits)));
  }
  upstream.credential_line = &line;
  return upstream;
}

}  // namespace saferun::broker
