#pragma once
// The upstream's answer head as the client may see it: hop-by-hop fields and those its
// Connection fields name stop at the broker, as does Content-Length (the framing states its
// own); every other field passes in its order, and a secret in a field's name or value, or in
// the reason phrase, is masked. Pure.

#include <string>

#include "broker/answer_head.h"
#include "broker/secret_redactor.h"

namespace saferun::broker {

// "HTTP/1.1 <status> <reason>\r\n" and the fields that pass, each "name: value\r\n", appended to
// `out` (no blank line: the framing adds its own fields first). The broker speaks HTTP/1.1 to
// its client whatever the upstream spoke; a missing reason is the status's usual one.
void append_client_head(std::string& out, const AnswerHead& head, const SecretRedactor& redactor);

// The body is encoded in a way the broker cannot scan for secrets: a Content-Encoding other
// than identity, or a transfer coding besides chunked.
bool is_encoded(const AnswerHead& head);

}  // namespace saferun::broker
