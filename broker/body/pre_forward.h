#pragma once
// The seam between the body path and the policy: after a forwarded request's whole body has
// arrived and before a byte goes upstream, the broker calls the context's PreForwardHook once
// with the request's dispatch and its body as one contiguous string_view (the received bytes,
// not a copy). The hook may refuse the request, or ask for one splice — a byte range of the
// body replaced in what is forwarded (e.g. the value of `max_tokens`); Content-Length is
// then recomputed and the body is sent as prefix + replacement + suffix, with no copy.
// Find the fields with policy::walk_json_object() (policy/json_object_walk.h: one pass over
// the bytes, no DOM).
//
// The hook runs on the event loop: it must not block, and it should not parse more than it
// needs (a Claude Code body reaches 4 MB). It is installed with Broker::set_pre_forward (or
// BrokerContext::pre_forward from inside the broker); an exception from it is a 500 for that
// request only. It runs for forwarded requests only (after the route, allowlist and token
// checks), in dry-run mode too, and the body it sees stays valid until it returns.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "broker/body/request_body.h"

namespace saferun::broker {

struct Dispatch;

struct PreForwardVerdict {
  bool refuse = false;       // answer `status` with `reason` instead of forwarding
  int status = 403;
  std::string decision = "denied_policy";  // audit decision when refused
  std::string reason;        // shown to the client; must not hold secrets
  std::optional<BodySplice> splice;  // applied when forwarding
};

using PreForwardHook = std::function<PreForwardVerdict(const Dispatch& dispatch, std::string_view body)>;

}  // namespace saferun::broker
