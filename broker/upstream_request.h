#pragma once
// The request the broker sends upstream for an allowed client request: same method, the
// route's upstream path and the client's query, the headers header_policy lets through, Host
// set to the upstream, and the route's credential attached. Its header fields free memory
// through WipingAllocator, so the credential does not outlive the request in the heap.
// The body is the client's, moved (never copied): received bytes plus the policy's splice.

#include <boost/beast/http/message.hpp>
#include <string_view>

#include "broker/body/held_body.h"
#include "broker/route.h"
#include "broker/wiping_allocator.h"

namespace saferun::broker {

using UpstreamFields = boost::beast::http::basic_fields<WipingAllocator<char>>;
using UpstreamRequest = boost::beast::http::request<HeldBody, UpstreamFields>;
using ClientRequest = boost::beast::http::request<HeldBody>;

// Moves the client's body into the result. `upstream_target` is the path and query to send.
UpstreamRequest make_upstream_request(ClientRequest& client, const Route& route, const Secret& secret,
                                      std::string_view upstream_target);

// "host" or "host:port" as the Host header for the upstream.
std::string host_header(const UpstreamUrl& upstream);

}  // namespace saferun::broker
