#pragma once
// The client's request head as a connection keeps it: method, target and version, and the
// fields as broker/flat_fields.h keeps them (method and target are the lead). Filled by
// broker/request_parser.h, from the connection's HeadArena.

#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <string_view>

#include "broker/flat_fields.h"

namespace saferun::broker {

class ClientHead : public FlatFields {
 public:
  explicit ClientHead(HeadAllocator<char> allocator = {}) : FlatFields(allocator) {}

  // Called once, before any field (the request line comes first).
  void set_request_line(boost::beast::http::verb method, std::string_view method_text, std::string_view target,
                        unsigned version) {
    method_ = method;
    version_ = version;
    method_size_ = static_cast<std::uint32_t>(method_text.size());
    reset(method_text, target);
  }

  boost::beast::http::verb method() const { return method_; }  // verb::unknown for a method Beast has no enum for
  std::string_view method_string() const { return lead().substr(0, method_size_); }
  std::string_view target() const { return lead().substr(method_size_); }
  unsigned version() const { return version_; }  // 10 or 11

 private:
  boost::beast::http::verb method_ = boost::beast::http::verb::unknown;
  std::uint32_t method_size_ = 0;
  unsigned version_ = 11;
};

}  // namespace saferun::broker
