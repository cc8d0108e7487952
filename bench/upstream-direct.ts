// The floor under P7: the same grading calls sent straight to the upstream, `concurrency` at a time,
// from a process of their own (as tickbox would be), with a lean client. Prints {"wall_ms": n}.
//   node --import tsx bench/upstream-direct.ts <baseUrl> <calls> <concurrency> <request.json>
import { readFileSync } from "node:fs";
import { Agent, request } from "undici";

const [baseUrl, calls, concurrency, requestFile] = process.argv.slice(2);
const template = JSON.parse(readFileSync(requestFile!, "utf8")) as { messages: { role: string; content: string }[] };
const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
const total = Number(calls);

let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    for (let i = next++; i < total; i = next++) {
      // Each call differs, as each batch item does.
      const last = template.messages.at(-1)!;
      const messages = [...template.messages.slice(0, -1), { ...last, content: `${last.content} ${i}` }];
      const answer = await request(`${baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer bench" },
        body: JSON.stringify({ ...template, messages }),
        dispatcher,
      });
      if (answer.statusCode !== 200) throw new Error(`direct call ${i}: HTTP ${answer.statusCode}`);
      JSON.parse(await answer.body.text());
    }
  }),
);
console.log(JSON.stringify({ wall_ms: Math.round(performance.now() - started) }));
await dispatcher.close();
