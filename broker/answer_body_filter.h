#pragma once
// What of an upstream answer's body the client gets, piece by piece: every secret the broker
// holds masked (the redactor may hold back a piece's tail until it knows), then, when the
// policy's meter filters, the usage chunk the client did not ask for stripped. The meter reads
// every byte; when it does not filter it holds nothing back.

#include <memory>
#include <string>
#include <string_view>

#include "broker/policy/request_meter.h"
#include "broker/secret_redactor.h"

namespace saferun::broker {

class AnswerBodyFilter {
 public:
  AnswerBodyFilter(std::shared_ptr<const RedactionList> secrets, std::shared_ptr<policy::RequestMeter> meter)
      : redactor_(std::move(secrets)), meter_(std::move(meter)) {}

  // Appends to `out` what the client may have of `bytes` now.
  void pass(std::string_view bytes, std::string& out);
  // The body ended: appends what was held back.
  void finish(std::string& out);

  const SecretRedactor& redactor() const { return redactor_; }
  policy::RequestMeter* meter() const { return meter_.get(); }  // null without a policy
  bool edits_body() const { return meter_ && meter_->filters(); }

 private:
  SecretRedactor redactor_;
  std::shared_ptr<policy::RequestMeter> meter_;
  std::string redacted_;  // between the redactor and a filtering meter
};

}  // namespace saferun::broker
