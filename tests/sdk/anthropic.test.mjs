// The official Anthropic SDK, 0.x (key in x-api-key) and 1.x (key as a Bearer), as a child of
// safe-run: it is configured only by the environment safe-run gives it.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const versions = ['anthropic-sdk-0', 'anthropic-sdk-1'];

for (const name of versions) {
  const { default: Anthropic } = await import(name);
  const client = () => new Anthropic({ maxRetries: 0 });
  const message = { model: 'claude-test', max_tokens: 32, messages: [{ role: 'user', content: 'Hello' }] };

  test(`${name}: the environment holds the session token, not a key`, () => {
    assert.match(process.env.ANTHROPIC_API_KEY, /^srt_[0-9a-f]{64}$/);
    assert.match(process.env.ANTHROPIC_BASE_URL, /^http:\/\/127\.0\.0\.1:\d+\/anthropic$/);
  });

  test(`${name}: messages.create answers through the broker`, async () => {
    const reply = await client().messages.create(message);
    assert.equal(reply.content[0].text, 'Hello from fake');
    assert.equal(reply.usage.output_tokens, 5);
  });

  test(`${name}: a streamed message arrives event by event`, async () => {
    const stream = await client().messages.create({ ...message, stream: true });
    const types = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta') text += event.delta.text;
    }
    assert.equal(text, 'Hello from fake');
    assert.equal(types[0], 'message_start');
    assert.equal(types.at(-1), 'message_stop');
  });

  test(`${name}: the messages.stream helper assembles the final message`, async () => {
    const final = await client().messages.stream(message).finalMessage();
    assert.equal(final.content[0].text, 'Hello from fake');
  });

  test(`${name}: count_tokens answers`, async () => {
    const counted = await client().messages.countTokens({ model: 'claude-test', messages: message.messages });
    assert.equal(counted.input_tokens, 42);
  });

  test(`${name}: models list and retrieve answer`, async () => {
    const page = await client().models.list();
    assert.equal(page.data[0].id, 'claude-test');
    const model = await client().models.retrieve('claude-x');
    assert.equal(model.id, 'claude-x');
  });

  test(`${name}: a wrong key is an authentication error`, async () => {
    const wrong = new Anthropic({ apiKey: 'srt_' + '0'.repeat(64), maxRetries: 0 });
    await assert.rejects(wrong.messages.create(message), (error) => error.status === 401);
  });

  test(`${name}: a path off the allowlist is a permission error`, async () => {
    await assert.rejects(client().beta.files.list(), (error) => error.status === 403);
  });
}
