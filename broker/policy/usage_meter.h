#pragma once
// Reads the usage out of one answer as its bytes are relayed, without holding them back:
// a JSON answer is kept (bounded) and read at its end; an SSE answer is read line by line as
// events pass, parsing only the `data:` lines that can carry usage. A stream cut early keeps
// what its events reported so far.
//
// One more job for streaming OpenAI chat: when the broker asked for the usage chunk the
// client did not ask for, filter() drops that chunk (an event whose `choices` is empty and
// whose `usage` is set), and the `"usage":null` the other chunks then carry, so the client
// sees the stream it asked for. Only that mode holds bytes: an event is passed on once its
// blank line arrives, which is when a client could first use it anyway.
//
// Feed it upstream bytes as they are relayed (the WebSocket relay can feed message text the
// same way, one message per feed_message()).

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "broker/policy/inflater.h"
#include "broker/policy/usage.h"

namespace saferun::broker::policy {

enum class AnswerFormat { json, sse, unreadable };

// From the answer's Content-Type and Content-Encoding values: gzip and deflate are readable
// (inflated on the side); any other encoding (br, zstd) is not.
AnswerFormat answer_format(std::string_view content_type, std::string_view content_encoding);
bool is_zlib_encoding(std::string_view content_encoding);  // gzip, x-gzip, deflate

class UsageMeter {
 public:
  UsageMeter() = default;
  // `compressed`: the bytes are gzip/deflate; the meter inflates a copy and never filters.
  void start(AnswerFormat format, bool strip_usage_chunk, bool compressed = false);

  bool filters() const { return strip_; }
  void feed(std::string_view bytes);                    // observe only
  void filter(std::string_view bytes, std::string& out);  // observe, and append what goes on
  void finish(std::string& out);                        // end of the answer (filter mode output)
  void feed_message(std::string_view json_text);        // one whole JSON message (WebSocket)

  bool reported() const { return reported_; }
  bool unreadable() const { return format_ == AnswerFormat::unreadable; }
  const Usage& usage() const { return usage_; }

 private:
  void feed_plain(std::string_view bytes);
  void take_lines(std::string_view bytes, std::string* out);
  void on_line(std::string_view line, std::string* out);
  void on_data(std::string_view data);
  void finish_json();

  AnswerFormat format_ = AnswerFormat::json;
  bool strip_ = false;
  bool drop_event_ = false;
  bool overflow_ = false;
  std::unique_ptr<Inflater> inflater_;
  std::string carry_;  // SSE: the partial line; JSON: the body so far
  std::string event_;  // filter mode: the event so far
  Usage usage_;
  bool reported_ = false;
};

}  // namespace saferun::broker::policy
