#include "broker/answer_framing.h"

#include <charconv>

namespace saferun::broker {

namespace asio = boost::asio;

AnswerShape shape_for(const UpstreamAnswer& answer, bool keep_alive) {
  AnswerShape shape;
  shape.keep_alive = keep_alive;
  const bool bodiless = answer.head_request || answer.status / 100 == 1 || answer.status == 204 || answer.status == 304;
  if (bodiless || (answer.content_length && !answer.chunked && !answer.body_edited)) {
    shape.content_length = answer.content_length;
  } else {
    shape.chunked = true;
  }
  return shape;
}

void AnswerFraming::begin_head() {
  head_.clear();
  head_.reserve(kHeadReserve);  // one allocation where growing field by field took three
}

void AnswerFraming::end_head(const AnswerShape& shape) {
  if (!shape.keep_alive) head_ += "Connection: close\r\n";
  if (shape.content_length) {
    char digits[20];
    auto end = std::to_chars(digits, digits + sizeof digits, *shape.content_length).ptr;
    head_ += "Content-Length: ";
    head_.append(digits, static_cast<std::size_t>(end - digits));
    head_ += "\r\n";
  }
  if (shape.chunked) head_ += "Transfer-Encoding: chunked\r\n";
  head_ += "\r\n";
  head_sent_ = false;
  chunked_ = shape.chunked;
}

AnswerFraming::Buffers AnswerFraming::next(std::string_view body, bool last) {
  static constexpr std::string_view kChunkEnd = "\r\n";
  static constexpr std::string_view kChunkEndThenLast = "\r\n0\r\n\r\n";
  static constexpr std::string_view kLastChunk = "0\r\n\r\n";
  Buffers buffers{};
  if (!head_sent_) buffers[0] = asio::buffer(head_);
  head_sent_ = true;
  buffers[2] = asio::buffer(body.data(), body.size());
  if (!chunked_) return buffers;
  std::string_view tail = last ? kLastChunk : std::string_view{};
  if (!body.empty()) {
    auto end = std::to_chars(size_line_.data(), size_line_.data() + size_line_.size() - 2, body.size(), 16).ptr;
    *end++ = '\r';
    *end++ = '\n';
    buffers[1] = asio::buffer(size_line_.data(), static_cast<std::size_t>(end - size_line_.data()));
    tail = last ? kChunkEndThenLast : kChunkEnd;
  }
  buffers[3] = asio::buffer(tail.data(), tail.size());
  return buffers;
}

}  // namespace saferun::broker
