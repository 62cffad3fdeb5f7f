#include "broker/policy/inflater.h"

#include <zlib.h>

#include <array>

namespace saferun::broker::policy {

struct Inflater::State {
  z_stream stream{};
  bool ok = false;
  bool ended = false;
  std::array<unsigned char, 64 * 1024> out;
};

Inflater::Inflater() : state_(std::make_unique<State>()) {
  state_->ok = inflateInit2(&state_->stream, 15 + 32) == Z_OK;  // 15 + 32: gzip or zlib header
}

Inflater::~Inflater() {
  if (state_->ok || state_->ended) inflateEnd(&state_->stream);
}

bool Inflater::push(std::string_view compressed, const std::function<void(std::string_view)>& take) {
  auto& s = *state_;
  if (!s.ok) return false;
  s.stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  s.stream.avail_in = static_cast<uInt>(compressed.size());
  while (s.stream.avail_in > 0 || s.stream.avail_out == 0) {
    s.stream.next_out = s.out.data();
    s.stream.avail_out = static_cast<uInt>(s.out.size());
    int result = inflate(&s.stream, Z_NO_FLUSH);
    auto produced = s.out.size() - s.stream.avail_out;
    if (produced > 0) take(std::string_view(reinterpret_cast<const char*>(s.out.data()), produced));
    if (result == Z_STREAM_END) {
      s.ok = false;
      s.ended = true;
      return true;
    }
    if (result != Z_OK && result != Z_BUF_ERROR) {
      s.ok = false;
      s.ended = true;
      return false;
    }
    if (result == Z_BUF_ERROR && produced == 0) break;  // needs more input
  }
  return true;
}

}  // namespace saferun::broker::policy
