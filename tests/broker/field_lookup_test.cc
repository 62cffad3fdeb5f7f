#include "broker/field_lookup.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace saferun::broker;
namespace http = boost::beast::http;

namespace {

http::fields head_of(const std::vector<std::pair<std::string, std::string>>& fields) {
  http::fields head;
  for (const auto& [name, value] : fields) head.insert(name, value);
  return head;
}

std::optional<std::string_view> beast_first(const http::fields& head, std::string_view name) {
  auto it = head.find(boost::beast::string_view(name.data(), name.size()));
  if (it == head.end()) return std::nullopt;
  return view(it->value());
}

}  // namespace

TEST_CASE("field lookups by walking the list answer as Beast's tree does", "[field_lookup]") {
  auto head = head_of({{"Host", "a"},
                       {"X-API-Key", "first"},
                       {"transfer-encoding", "gzip"},
                       {"Authorization", "Bearer x"},
                       {"x-api-key", "second"},
                       {"TRANSFER-ENCODING", "chunked"},
                       {"X-Goog-Api-Key", "g"},
                       {"x-api-keys", "longer"},
                       {"Connection", "keep-alive, X-Foo"}});
  for (auto name : {"x-api-key", "x-goog-api-key", "x-api-keys", "x-api-ke", "authorization", "missing"}) {
    INFO(name);
    CHECK(first_field_value(head, std::string_view(name)) == beast_first(head, name));
  }
  for (auto name : {http::field::authorization, http::field::transfer_encoding, http::field::connection,
                    http::field::upgrade, http::field::content_length}) {
    INFO(http::to_string(name));
    auto it = head.find(name);
    CHECK(first_field_value(head, name) == (it == head.end() ? std::nullopt : std::optional(view(it->value()))));
    CHECK(has_field(head, name) == (head.count(name) > 0));
    std::vector<std::string_view> walked, beast;
    for_each_field_value(head, name, [&](std::string_view value) { walked.push_back(value); });
    for (auto [at, end] = head.equal_range(name); at != end; ++at) beast.push_back(view(at->value()));
    CHECK(walked == beast);
  }
}
