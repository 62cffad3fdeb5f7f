#pragma once
// RequestBody as a Beast Body: the client's parser fills it (chunked bodies; a body with a
// Content-Length is read into it directly, see Connection), and the upstream serializer
// sends its forwarded buffers — head and body leave in one gathered write.

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <utility>

#include "broker/body/request_body.h"

namespace saferun::broker {

struct HeldBody {
  using value_type = RequestBody;

  static std::uint64_t size(const value_type& body) { return body.forwarded_size(); }

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>&, boost::beast::error_code& ec) { ec = {}; }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      std::size_t n = 0;
      for (auto buffer : boost::beast::buffers_range_ref(buffers)) {
        body_.append(static_cast<const char*>(buffer.data()), buffer.size());
        n += buffer.size();
      }
      ec = {};
      return n;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };

  class writer {
   public:
    using const_buffers_type = decltype(std::declval<const RequestBody&>().forwarded_buffers());

    template <bool isRequest, class Fields>
    writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& body) : body_(body) {}

    void init(boost::beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (sent_ || body_.forwarded_size() == 0) return boost::none;
      sent_ = true;
      return {{body_.forwarded_buffers(), false}};
    }

   private:
    const value_type& body_;
    bool sent_ = false;
  };
};

}  // namespace saferun::broker
