// A labelled world whose truth the tests know: InFoBench rows (their recorded YES/NO per
// decomposed question stand for the human item labels, and "most questions YES" for the human
// label of the response), and a judge (the fake upstream) that gives the recorded verdict except
// on a fixed share of items, sure of itself where it is right (p 0.85–0.99) and less so where it
// is wrong (0.5–0.65).
import type { FakeCall, FakeUpstream } from "../support/fake-upstream";
import { infobench, payloadOf } from "../support/harness";

export interface JudgedItem {
  question: string;
  human: boolean;
  yes: boolean;
  /** The p(YES) the fake sends for it. */
  p: number;
}

export interface Example {
  line: Record<string, unknown>;
  label: 0 | 1;
  items: JudgedItem[];
  /** The raw signal the judge's evaluation carries: the soft score, here the mean p(YES). */
  p: number;
}

/**
 * `n` pointwise lines over the InFoBench sample (responses after the first pass get a variant
 * suffix, so that each line is its own grading). `flipEvery` sets how often the judge disagrees
 * with the recorded verdict; item labels are keyed by question text on even lines and by item id
 * on odd ones.
 */
export function pointwiseWorld(n: number, flipEvery = 11, judgeSalt = 0): Example[] {
  return Array.from({ length: n }, (_, i) => {
    const row = infobench[i % infobench.length]!;
    const response = i < infobench.length ? row.output : `${row.output}\n(variant ${i})`;
    const items = row.decomposed_questions.map((question, k) => {
      const human = row.eval[k] ?? true;
      const yes = (i * 5 + k * 3 + judgeSalt) % flipEvery === 0 ? !human : human;
      const spread = ((i * 13 + k * 7 + judgeSalt) % 10) / 9;
      // Odd constants keep every line's mean off the 0.1 bin edges, where float error picks the bin.
      const sure = yes === human ? 0.8513 + 0.1371 * spread : 0.5013 + 0.1497 * spread;
      return { question, human, yes, p: yes ? sure : 1 - sure };
    });
    const label = 2 * row.eval.filter(Boolean).length > row.eval.length ? 1 : 0;
    const itemLabels = Object.fromEntries(items.map((it, k) => [i % 2 === 0 ? it.question : `q${k + 1}`, it.human ? "YES" : "NO"]));
    const line = {
      instruction: row.instruction,
      ...(row.input ? { context: row.input } : {}),
      response,
      checklist: { items: row.decomposed_questions.map((question) => ({ question })) },
      label,
      item_labels: itemLabels,
    };
    const p = items.reduce((s, it) => s + it.p, 0) / items.length;
    if (Math.abs(p * 10 - Math.round(p * 10)) < 1e-6) throw new Error(`line ${i + 1}: p ${p} sits on a bin edge`);
    return { line, label, items, p };
  });
}

/**
 * Scripts the fake to judge as the world says (or, for a model named in `byModel`, as that world
 * says), finding each call's line by its response.
 */
export function judgeAs(fake: FakeUpstream, world: Example[], byModel: Record<string, Example[]> = {}) {
  const worldOf = (call: FakeCall) => byModel[String(call.body.model)] ?? world;
  fake.answer = (_id, index, call) => {
    const example = worldOf(call).find((e) => e.line.response === payloadOf(call).response);
    const item = example?.items[index];
    if (!item) return { verdict: "YES", p_yes: 0.9 };
    return { verdict: item.yes ? "YES" : "NO", p_yes: item.p };
  };
}

export const jsonLines = (lines: unknown[]) => `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
