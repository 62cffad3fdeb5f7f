#pragma once
// A message put by the plain-head fast path (put_head) or by Beast's own put() on the same
// bytes, and what the parser then holds: for the tests that compare the two paths
// (plain_head_test.cc, plain_head_adversary_test.cc).
#include <boost/asio/buffer.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "broker/answer_parser.h"
#include "broker/request_parser.h"

namespace saferun::broker::testing {

// What a parser holds after a head and as much of the body as the bytes carry.
struct Outcome {
  boost::beast::error_code head_error;
  std::size_t head_used = 0;
  std::string head;
  std::string framing;
  boost::beast::error_code body_error;
  std::string body;

  bool operator==(const Outcome&) const = default;
  std::string describe() const {
    std::ostringstream out;
    out << "head_error=" << head_error.message() << " used=" << head_used << " head=[" << head << "] framing=["
        << framing << "] body_error=" << body_error.message() << " body=[" << body << "]";
    return out.str();
  }
};

template <class Fields>
std::string fields_text(const Fields& fields) {
  std::string text;
  for (const auto& field : fields) {
    text += std::to_string(static_cast<int>(field.name())) + "|";
    text.append(field.name_string().data(), field.name_string().size());
    text += "|";
    text.append(field.value().data(), field.value().size());
    text += "\n";
  }
  return text;
}

template <class Parser>
std::string framing_text(const Parser& parser) {
  std::string text = "done=" + std::to_string(parser.is_done()) + " keep_alive=" + std::to_string(parser.keep_alive()) +
                     " upgrade=" + std::to_string(parser.upgrade()) + " chunked=" + std::to_string(parser.chunked()) +
                     " need_eof=" + std::to_string(parser.need_eof());
  if (auto length = parser.content_length()) text += " length=" + std::to_string(*length);
  return text;
}

enum class Path { beast, fast };

constexpr std::size_t kRequestHeadLimit = 8192;
constexpr std::size_t kAnswerHeadLimit = 4096;

template <class Parser>
bool put_head_by(Path path, Parser& parser, std::string_view bytes, std::size_t limit, Outcome& outcome) {
  parser.header_limit(static_cast<std::uint32_t>(limit));
  parser.body_limit(1 << 20);
  outcome.head_used = path == Path::fast ? parser.put_head(bytes, outcome.head_error)
                                         : parser.put(boost::asio::buffer(bytes.data(), bytes.size()), outcome.head_error);
  if (outcome.head_error) outcome.head_used = 0;
  return !outcome.head_error;
}

inline Outcome request_outcome(std::string_view bytes, Path path, std::size_t limit = kRequestHeadLimit) {
  Outcome outcome;
  RequestParser parser;
  if (!put_head_by(path, parser, bytes, limit, outcome)) return outcome;
  const auto& head = parser.head();
  outcome.head = std::to_string(static_cast<int>(head.method())) + " " + std::string(head.method_string()) + " " +
                 std::string(head.target()) + " " + std::to_string(head.version()) + "\n" + fields_text(head);
  outcome.framing = framing_text(parser);
  parser.eager(true);
  std::size_t used = outcome.head_used;
  while (used < bytes.size() && !parser.is_done()) {
    const auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), outcome.body_error);
    used += n;
    if (outcome.body_error || n == 0) break;
  }
  outcome.body = std::string(parser.body().view());
  return outcome;
}

// `skip`: the answer to a HEAD request (the exchange sets it before the head is put).
inline Outcome answer_outcome(std::string_view bytes, Path path, std::size_t limit = kAnswerHeadLimit, bool skip = false) {
  Outcome outcome;
  AnswerParser parser;
  if (skip) parser.skip(true);
  if (!put_head_by(path, parser, bytes, limit, outcome)) return outcome;
  const auto& head = parser.head();
  outcome.head = std::to_string(head.status()) + " " + std::string(head.reason()) + " " + std::to_string(head.version()) +
                 "\n" + fields_text(head);
  outcome.framing = framing_text(parser);
  parser.eager(true);
  std::size_t used = outcome.head_used;
  auto sink = [&](std::string_view piece) { outcome.body += piece; };
  while (used < bytes.size() && !parser.is_done()) {
    const auto n = parser.put_body(boost::asio::buffer(bytes.data() + used, bytes.size() - used), sink, outcome.body_error);
    used += n;
    if (outcome.body_error || n == 0) break;
  }
  return outcome;
}

}  // namespace saferun::broker::testing
