// Pure tokenisation helpers for the fake upstream: turn an assistant message
// into OpenAI-style logprob tokens whose strings concatenate to the content.

export type Verdict = "YES" | "NO";
export type LogprobMode = "split" | "fused" | "none";

export interface TopLogprob {
  token: string;
  logprob: number;
  bytes: number[];
}
export interface TokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
}

/** A verdict slot inside the content; the surrounding text holds the quotes. */
export interface VerdictSlot {
  verdict: Verdict;
  p_yes?: number;
  omit_no?: boolean;
  /** The words written for YES and NO, when the answer is another two-way choice (FIRST/SECOND). */
  words?: readonly [string, string];
}

const slotWord = (slot: VerdictSlot, yes: boolean) => (slot.words ? slot.words[yes ? 0 : 1] : yes ? "YES" : "NO");
const titleCase = (w: string) => w.charAt(0) + w.slice(1).toLowerCase();
/** Content is a sequence of plain text and verdict words. */
export type Segment = string | VerdictSlot;

const MIN_P = 1e-9;
const MAX_P = 1 - 1e-9;
const FILLERS = ['"', "Y", "N/A", "Maybe", "PASS", "FAIL", "true", "false", "1", "0", "?", "-", "UN", "X", "OK", "null", "{", "}", "  ", "\\"];

export function utf8Bytes(token: string): number[] {
  return Array.from(Buffer.from(token, "utf8"));
}

function plain(token: string): TokenLogprob {
  const bytes = utf8Bytes(token);
  return { token, logprob: 0, bytes, top_logprobs: [{ token, logprob: 0, bytes }] };
}

/** Ordinary text: chunks of at most 4 code points, probability 1. */
export function plainTokens(text: string): TokenLogprob[] {
  const chars = Array.from(text);
  const out: TokenLogprob[] = [];
  for (let i = 0; i < chars.length; i += 4) out.push(plain(chars.slice(i, i + 4).join("")));
  return out;
}

/** Text that precedes a verdict: keep a trailing `":"` (or `":` when fused) as its own token. */
function leadTokens(text: string, tail: string): TokenLogprob[] {
  if (tail && text.endsWith(tail)) {
    return [...plainTokens(text.slice(0, -tail.length)), plain(tail)];
  }
  return plainTokens(text);
}

export function clampP(p: number): number {
  if (!Number.isFinite(p)) return 0.5;
  return Math.min(MAX_P, Math.max(MIN_P, p));
}

/** The verdict token and its alternatives for one graded item. */
export function verdictToken(slot: VerdictSlot, mode: "split" | "fused", topN: number): TokenLogprob {
  const q = mode === "fused" ? '"' : "";
  const p = clampP(slot.p_yes ?? (slot.verdict === "YES" ? 0.9 : 0.1));
  const candidates: { token: string; logprob: number; no: boolean }[] = [
    { token: `${q}${slotWord(slot, true)}`, logprob: Math.log(p * 0.95), no: false },
    { token: `${q}${titleCase(slotWord(slot, true))}`, logprob: Math.log(p * 0.05), no: false },
    { token: `${q}${slotWord(slot, false)}`, logprob: Math.log((1 - p) * 0.95), no: true },
    { token: `${q}${titleCase(slotWord(slot, false))}`, logprob: Math.log((1 - p) * 0.05), no: true },
    ...FILLERS.map((token, i) => ({ token, logprob: -12 - i * 0.25, no: false })),
  ];
  const chosen = slot.verdict === "YES" ? candidates[0]! : candidates[2]!;
  const top = candidates
    .filter((c) => !(slot.omit_no && c.no))
    .sort((a, b) => b.logprob - a.logprob)
    .slice(0, topN)
    .map((c) => ({ token: c.token, logprob: c.logprob, bytes: utf8Bytes(c.token) }));
  return { token: chosen.token, logprob: chosen.logprob, bytes: utf8Bytes(chosen.token), top_logprobs: top };
}

/**
 * Tokenise segments. Verdict slots are expected between quotes in the text
 * (`..."verdict":"` YES `"}`). In "split" mode the opening quote stays with the
 * preceding token; in "fused" mode it moves into the verdict token (`"YES`).
 */
export function tokenize(segments: Segment[], mode: "split" | "fused", topN: number): TokenLogprob[] {
  const out: TokenLogprob[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const next = segments[i + 1];
    if (typeof seg === "string") {
      if (next !== undefined && typeof next !== "string") {
        if (mode === "fused" && seg.endsWith('"')) {
          out.push(...leadTokens(seg.slice(0, -1), '":'));
        } else {
          out.push(...leadTokens(seg, '":"'));
        }
      } else {
        out.push(...plainTokens(seg));
      }
      continue;
    }
    const prev = segments[i - 1];
    const fused = mode === "fused" && typeof prev === "string" && prev.endsWith('"');
    out.push(verdictToken(seg, fused ? "fused" : "split", topN));
  }
  return out.filter((t) => t.token.length > 0);
}

/** The plain string the segments stand for. */
export function segmentsText(segments: Segment[]): string {
  return segments.map((s) => (typeof s === "string" ? s : slotWord(s, s.verdict === "YES"))).join("");
}
