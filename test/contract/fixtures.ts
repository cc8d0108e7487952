// Inputs the contract sends on both runtimes, and what they must be called there.
import sample from "../fixtures/infobench/sample.jsonl?raw";
import type { InfoBenchRow } from "../support/harness";

/** A real InFoBench row with a NO among its recorded verdicts (MIT; see test/fixtures/infobench). */
export const contractRow: InfoBenchRow = sample
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as InfoBenchRow)
  .find((row) => row.eval.includes(false) && row.eval.length >= 3)!;

export const FIXED_ITEMS = [
  { question: "Is the summary exactly two sentences?", weight: 100, must_pass: true },
  { question: "Does it mention the new delivery date?", weight: 75 },
];

// Non-ASCII on purpose: the digest is over UTF-8 bytes on both runtimes.
export const FIXED_EVALUATION = {
  instruction: "Summarise the email in two sentences.",
  context: "Café Łódź order #12: the 東京 delivery moves from 28 April to 3 May. Sorry! 🙏",
  response: "Order #12 for Café Łódź is delayed. It now arrives in 東京 on 3 May.",
  checklist: { items: FIXED_ITEMS },
};

/** Graded only by the Node process in the Worker suite's global setup, to seed D1 with its rows. */
export const NODE_SEEDED_EVALUATION = { ...FIXED_EVALUATION, response: "Written by the Node service, read by the Worker." };

// Computed once on Node; a runtime that hashes differently fails the contract.
export const FIXED_CHECKLIST_ID = "cl_574ab817a9e0b48170c5b83186eeb77c";
// An evaluation's id names its grading and the threshold it was judged at (the default, 0.8).
export const FIXED_EVALUATION_ID = "ev_4d12c9e15b784c27426226553b65a3ae~0.8";

/** Real InFoBench rows as a batch, each with its decomposed questions (graded, never generated). */
export const CONTRACT_BATCH_ITEMS = sample
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as InfoBenchRow)
  .slice(0, 12)
  .map((row, i) => ({
    custom_id: `contract-${row.id}`,
    instruction: row.instruction,
    context: row.input || null,
    response: row.output,
    checklist: { items: row.decomposed_questions.map((question) => ({ question })) },
    ...(i % 4 === 3 ? { pass_threshold: 0.5 } : {}),
  }));

/** How the fake upstream answers the contract batch: by question position, a NO among the YESes. */
export const CONTRACT_BATCH_SCRIPT = {
  answers: [
    { verdict: "YES" as const, p_yes: 0.97 },
    { verdict: "NO" as const, p_yes: 0.18 },
    { verdict: "YES" as const, p_yes: 0.74 },
  ],
};
