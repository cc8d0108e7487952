import { type FieldError, ProblemError, pointer } from "../errors";

/** Operator-set limits on what one request may ask for (each at most the contract's own ceiling). */
export interface RequestLimits {
  /** How long one request's upstream work may take in all, retries included. */
  requestDeadlineMs: number;
  maxTextChars: number;
  maxCandidates: number;
  maxChecklistItems: number;
}

/**
 * Checks a validated body against the configured limits, wherever the fields sit: every string,
 * every `candidates` list and every `items` list. Exceeding one is a 422 whose errors name the
 * field, the limit and the variable that sets it.
 */
export function enforceLimits(body: unknown, limits: RequestLimits): void {
  const errors: FieldError[] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (typeof value === "string") {
      if (value.length > limits.maxTextChars) {
        errors.push({ path: pointer(path), message: `longer than the limit of ${limits.maxTextChars} characters (TICKBOX_MAX_TEXT_CHARS)` });
      }
      return;
    }
    if (Array.isArray(value)) {
      const key = path[path.length - 1];
      if (key === "candidates" && value.length > limits.maxCandidates) {
        errors.push({ path: pointer(path), message: `more than the limit of ${limits.maxCandidates} candidates (TICKBOX_MAX_CANDIDATES)` });
      }
      if (key === "items" && value.length > limits.maxChecklistItems) {
        errors.push({ path: pointer(path), message: `more than the limit of ${limits.maxChecklistItems} checklist items (TICKBOX_MAX_CHECKLIST_ITEMS)` });
      }
      value.forEach((v, i) => walk(v, [...path, i]));
      return;
    }
    if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(body, []);
  if (errors.length > 0) {
    throw new ProblemError("limit_exceeded", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
  }
}
