// How numbers read on the pages. The live updates in assets/app-js.ts format the same fields the
// same way (see `FORMATS` there).

export const percent = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)}%`);

export const score = (v: number | null | undefined) => (v === null || v === undefined ? "–" : v.toFixed(3));

export const count = (v: number | null | undefined) => (v === null || v === undefined ? "–" : v.toLocaleString("en-US"));

/** Prompt and completion tokens together. */
export const tokens = (u: { prompt_tokens: number; completion_tokens: number } | null | undefined) => (u ? count(u.prompt_tokens + u.completion_tokens) : "–");

/** "1 item", "3 items". */
export const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? "" : "s"}`;

export const rate = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${v.toFixed(2)}/s`);

export const usd = (v: number | null | undefined) =>
  v === null || v === undefined ? "no price" : v === 0 ? "$0" : v < 0.01 ? `$${v.toPrecision(2)}` : `$${v.toFixed(2)}`;

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m ${Math.round(seconds % 60)}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** "2026-05-01 12:03:04 UTC", readable and the same in every browser. */
export const when = (iso: string | null | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : "–");

/** A query string from the set values of `params` ("?a=1&b=2", or "" when none is set). */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") search.set(k, String(v));
  const text = search.toString();
  return text ? `?${text}` : "";
}
