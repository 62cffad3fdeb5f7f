#pragma once
// The upstream's answer head as the client may see it: hop-by-hop fields and those its
// Connection header names are dropped, Content-Length too (the relay frames the body itself),
// and any secret the broker holds is masked in field names, values and the reason phrase.

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>

#include "broker/head_arena.h"
#include "broker/secret_redactor.h"

namespace saferun::broker {

using UpstreamResponse = boost::beast::http::response<boost::beast::http::buffer_body, ArenaFields>;

void clean_response_head(UpstreamResponse& response, const SecretRedactor& redactor);

// A Content-Encoding other than identity, or a transfer coding besides chunked: a body the
// redactor cannot read.
bool is_encoded(const ArenaFields& fields);

}  // namespace saferun::broker
