#include "broker/policy/request_meter.h"

#include <algorithm>

#include "broker/policy/session_policy.h"

namespace saferun::broker::policy {

RequestMeter::RequestMeter(std::shared_ptr<SessionPolicy> policy, std::string route, std::string id, Plan&& plan)
    : policy_(std::move(policy)), route_(std::move(route)), id_(std::move(id)), plan_(std::move(plan)) {}

RequestMeter::~RequestMeter() { end(Ending::cut); }

void RequestMeter::on_answer(int status, std::string_view content_type, std::string_view content_encoding) {
  status_ = status;
  meter_.start(answer_format(content_type, content_encoding), plan_.strip_usage_chunk,
               is_zlib_encoding(content_encoding));
}

void RequestMeter::end(Ending ending) {
  if (ended_) return;
  ended_ = true;
  if (!plan_.metered) {
    settled_ = {};
  } else if (meter_.reported()) {
    settled_ = meter_.usage();
    // The search count comes with the answer's end: an answer cut, or whose count was not read,
    // is charged every search it was allowed.
    if (ending != Ending::answered || !settled_.web_search_count_seen)
      settled_.web_searches = std::max(settled_.web_searches, plan_.web_searches_reserved);
  } else if (ending == Ending::answered && meter_.unreadable()) {
    settled_.input = plan_.input_estimate;
    settled_.output = plan_.output_reserved;
    settled_.web_searches = plan_.web_searches_reserved;
  } else if (ending == Ending::answered && status_ >= 400) {
    settled_ = {};
  } else {
    settled_.input = plan_.input_estimate;
    settled_.web_searches = plan_.web_searches_reserved;
  }
  cost_ = cost_of(plan_, settled_);
  if (reserved || plan_.draws.empty()) policy_->settle(*this, settled_, cost_);
}

}  // namespace saferun::broker::policy
