#include "broker/answer_body_filter.h"

namespace saferun::broker {

void AnswerBodyFilter::pass(std::string_view bytes, std::string& out) {
  if (!edits_body()) {
    redactor_.push(bytes, out);
    if (meter_) meter_->feed(bytes);
    return;
  }
  redacted_.clear();
  redactor_.push(bytes, redacted_);
  meter_->filter(redacted_, out);
}

void AnswerBodyFilter::finish(std::string& out) {
  if (!edits_body()) {
    redactor_.finish(out);
    if (meter_) meter_->finish_body(redacted_);
    return;
  }
  redacted_.clear();
  redactor_.finish(redacted_);
  meter_->filter(redacted_, out);
  meter_->finish_body(out);
}

}  // namespace saferun::broker
