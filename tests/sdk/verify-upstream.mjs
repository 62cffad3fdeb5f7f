// Run after the session, outside it: what did the fake upstream receive? Every request must
// carry the real key in the route's header and no trace of any session token.
//   FAKE_UPSTREAM_URL=https://localhost:P ANTHROPIC_KEY=… OPENAI_KEY=… node verify-upstream.mjs
import assert from 'node:assert/strict';

const { FAKE_UPSTREAM_URL, ANTHROPIC_KEY, OPENAI_KEY } = process.env;
const requests = await (await fetch(`${FAKE_UPSTREAM_URL}/_fake/requests`)).json();
// 6 calls per Anthropic SDK version and 6 OpenAI calls reach the upstream; refusals do not.
assert.equal(requests.length, 18, `expected 18 SDK calls upstream, got ${requests.length}`);
for (const request of requests) {
  const headers = request.headers;
  const everything = JSON.stringify(headers) + request.target;
  assert.ok(!/srt_[0-9a-f]{64}/.test(everything), `a session token reached the upstream: ${request.target}`);
  if (request.target.startsWith('/anthropic/')) {
    assert.ok(headers['x-api-key'] === ANTHROPIC_KEY, `anthropic request without the real key: ${request.target}`);
    assert.equal(headers.authorization, undefined);
  } else {
    assert.ok(headers.authorization === `Bearer ${OPENAI_KEY}`, `openai request without the real key: ${request.target}`);
    assert.equal(headers['x-api-key'], undefined);
  }
}
console.log(`verified ${requests.length} upstream requests: real keys only, no session token`);
