import { infobench } from "./harness";

/** Batch items from the InFoBench sample, each with its recorded decomposed questions. */
export function infobenchItems(count = infobench.length) {
  return Array.from({ length: count }, (_, i) => {
    const row = infobench[i % infobench.length]!;
    return {
      custom_id: `${row.id}#${i}`,
      instruction: row.instruction,
      context: row.input || null,
      response: i < infobench.length ? row.output : `${row.output}\n(variant ${i})`,
      checklist: { items: row.decomposed_questions.map((question) => ({ question })) },
    };
  });
}

export const jsonLines = (items: unknown[]) => `${items.map((i) => JSON.stringify(i)).join("\n")}\n`;

export const parseLines = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** Polls until the batch is no longer running and no item is in flight. */
export async function settled(get: (path: string) => Promise<{ json: any }>, id: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await get(`/v1/batches/${id}`);
    if (json.status !== "running" && json.counts.running === 0) return json;
    if (Date.now() > until) throw new Error(`batch ${id} still ${json.status}: ${JSON.stringify(json.counts)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
