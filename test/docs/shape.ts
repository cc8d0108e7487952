// Whether an answer shown in the docs has the shape of the answer the service gave: every member
// shown is there, with a value of the same type. Values may differ (the docs show a real model's
// words, the test runs against a scripted one); `null` on either side matches anything.

/** Where `shown` departs from `actual`, as messages with JSON Pointer paths; empty when it does not. */
export function shapeDifferences(shown: unknown, actual: unknown, path = ""): string[] {
  if (shown === null || actual === null) return [];
  if (Array.isArray(shown)) {
    if (!Array.isArray(actual)) return [`${path || "/"}: shown an array, got ${kind(actual)}`];
    if (shown.length > 0 && actual.length === 0) return [`${path || "/"}: shown ${shown.length} elements, got none`];
    // Each element shown must have the shape of some element of the answer.
    return shown.flatMap((element, i) => {
      const tries = actual.map((a) => shapeDifferences(element, a, `${path}/${i}`));
      return tries.some((t) => t.length === 0) ? [] : tries[0]!;
    });
  }
  if (typeof shown === "object") {
    if (typeof actual !== "object" || Array.isArray(actual)) return [`${path || "/"}: shown an object, got ${kind(actual)}`];
    return Object.entries(shown as Record<string, unknown>).flatMap(([key, value]) =>
      key in (actual as object)
        ? shapeDifferences(value, (actual as Record<string, unknown>)[key], `${path}/${key}`)
        : [`${path}/${key}: shown, but not in the answer`],
    );
  }
  return typeof shown === typeof actual ? [] : [`${path || "/"}: shown ${kind(shown)}, got ${kind(actual)}`];
}

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);

/** A JSON text or JSON Lines, parsed: one value, or one per line. */
export function parseJsonOrLines(text: string): { values: unknown[]; lines: boolean } {
  try {
    return { values: [JSON.parse(text)], lines: false };
  } catch (error) {
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    if (lines.length < 2) throw error;
    return { values: lines.map((l) => JSON.parse(l)), lines: true };
  }
}
