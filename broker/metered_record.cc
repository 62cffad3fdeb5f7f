#include "broker/metered_record.h"

namespace saferun::broker {

void record_usage(const policy::RequestMeter& meter, AuditEvent& event) {
  const auto& used = meter.settled_usage();
  event.input_tokens = used.input;
  event.output_tokens = used.output;
  event.cache_write_tokens = used.cache_write;
  event.cache_read_tokens = used.cache_read;
  event.cost_micro_usd = meter.cost_micro_usd();
  event.web_searches = used.web_searches;
  event.unmetered_tool = meter.plan().unmetered_tool;
}

}  // namespace saferun::broker
