#pragma once
// The body of GET /_safe-run/status: what this session's broker is and has done.

#include <string>

#include "broker/broker_context.h"

namespace saferun::broker {

std::string status_report(const BrokerContext& context);

}  // namespace saferun::broker
