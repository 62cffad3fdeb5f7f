// The official OpenAI SDK as a child of safe-run, configured only by its environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const client = () => new OpenAI({ maxRetries: 0 });
const chat = { model: 'gpt-test', messages: [{ role: 'user', content: 'Hello' }] };

test('openai: the environment holds the session token, not a key', () => {
  assert.match(process.env.OPENAI_API_KEY, /^srt_[0-9a-f]{64}$/);
  assert.match(process.env.OPENAI_BASE_URL, /^http:\/\/127\.0\.0\.1:\d+\/openai\/v1$/);
});

test('openai: chat completions answer', async () => {
  const completion = await client().chat.completions.create(chat);
  assert.equal(completion.choices[0].message.content, 'Hello from fake');
});

test('openai: streamed chat completions arrive chunk by chunk and end', async () => {
  const stream = await client().chat.completions.create({ ...chat, stream: true });
  let text = '';
  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  assert.equal(text, 'Hello from fake');
  assert.equal(chunks, 3);
});

test('openai: responses answer', async () => {
  const response = await client().responses.create({ model: 'gpt-test', input: 'Hello' });
  assert.equal(response.output_text, 'Hello from fake');
});

test('openai: embeddings answer', async () => {
  const embeddings = await client().embeddings.create({ model: 'text-embedding-test', input: 'Hello' });
  assert.deepEqual(Array.from(embeddings.data[0].embedding), [0.25, 0.5, 0.75]);
});

test('openai: models list and retrieve answer', async () => {
  const page = await client().models.list();
  assert.equal(page.data[0].id, 'gpt-test');
  const model = await client().models.retrieve('gpt-x');
  assert.equal(model.id, 'gpt-x');
});

test('openai: a wrong key is an authentication error', async () => {
  const wrong = new OpenAI({ apiKey: 'srt_' + '0'.repeat(64), maxRetries: 0 });
  await assert.rejects(wrong.chat.completions.create(chat), (error) => error.status === 401);
});

test('openai: a path off the allowlist is a permission error', async () => {
  await assert.rejects(client().files.list(), (error) => error.status === 403);
});
