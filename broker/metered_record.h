#pragma once
// What a metered request used and cost, settled by its meter, written into its audit record:
// one place for the HTTP connection and the WebSocket turn.

#include "broker/audit_log.h"
#include "broker/policy/request_meter.h"

namespace saferun::broker {

void record_usage(const policy::RequestMeter& meter, AuditEvent& event);

}  // namespace saferun::broker
