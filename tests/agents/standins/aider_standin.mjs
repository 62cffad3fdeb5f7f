// aider --message TEXT: one chat turn through @langchain/openai, printing the answer on
// stdout and, on stderr, which OPENAI_API_BASE it was given (a URL, never a key).
import { ChatOpenAI } from "@langchain/openai";

const at = process.argv.indexOf("--message");
if (at < 0 || at + 1 >= process.argv.length) {
  console.error("usage: aider --message TEXT");
  process.exit(2);
}
console.error(`OPENAI_API_BASE=${process.env.OPENAI_API_BASE ?? "<unset>"}`);
const model = new ChatOpenAI({ model: "gpt-4o-mini", maxRetries: 0, timeout: 20000 });
const answer = await model.invoke(process.argv[at + 1]);
console.log(answer.content);
