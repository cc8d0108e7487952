import { type FieldError, pointer } from "../errors";
import { fitsChars, isWellFormed } from "../text";

/** Operator-set limits on what one request may ask for (each at most the contract's own ceiling). */
export interface RequestLimits {
  /** How long one request's upstream work may take in all, retries included. */
  requestDeadlineMs: number;
  maxTextChars: number;
  maxCandidates: number;
  maxChecklistItems: number;
}

/** Nesting deeper than this (objects and arrays within each other) is refused: no request needs it. */
const MAX_DEPTH = 64;

/**
 * Something wrong with a value: `invalid` (not well-formed: a lone surrogate, too deep) or `limit`
 * (past a configured limit). The first is a `validation_failed`, the second a `limit_exceeded`.
 */
export interface Finding extends FieldError {
  kind: "invalid" | "limit";
}

type Key = string | number;

/** Where a part of a value sits in the request: the identity, or e.g. a batch item's index in front. */
export type Placement = (path: Key[]) => Key[];

const asIs: Placement = (path) => path;

interface Visit {
  value: unknown;
  key: Key | null;
  parent: Visit | null;
  depth: number;
}

function pathOf(visit: Visit): Key[] {
  const path: Key[] = [];
  for (let v: Visit | null = visit; v && v.key !== null; v = v.parent) path.push(v.key);
  return path.reverse();
}

/**
 * Everything wrong with a JSON value as a whole, wherever it sits: nesting deeper than MAX_DEPTH,
 * strings and keys with lone surrogates (text that is not Unicode), strings of more characters (code
 * points, src/text.ts) than TICKBOX_MAX_TEXT_CHARS, `candidates` and `items` lists longer than their
 * limits. These limits are the only check of those lengths (the schemas state their ceilings in the
 * contract but leave them to this walk), so that whatever is past one is a `limit_exceeded` naming
 * its variable. The walk keeps its own stack, so no depth can overflow the call stack. `place` puts
 * the value's paths where they are in the request (behind a batch item's index, say), for the JSON
 * Pointers.
 */
export function limitFindings(value: unknown, limits: RequestLimits, place: Placement = asIs): Finding[] {
  if (withinLimits(value, limits, null, 0)) return [];
  const findings: Finding[] = [];
  const found = (visit: Visit, kind: Finding["kind"], message: string) => findings.push({ kind, path: pointer(place(pathOf(visit))), message });
  const stack: Visit[] = [{ value, key: null, parent: null, depth: 0 }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const current = visit.value;
    if (typeof current === "string") {
      if (!isWellFormed(current)) found(visit, "invalid", "contains a lone surrogate (\\uD800-\\uDFFF), which is not Unicode text");
      if (!fitsChars(current, limits.maxTextChars)) {
        found(visit, "limit", `longer than the limit of ${limits.maxTextChars} characters (TICKBOX_MAX_TEXT_CHARS)`);
      }
      continue;
    }
    if (current === null || typeof current !== "object") continue;
    if (visit.depth >= MAX_DEPTH) {
      found(visit, "invalid", `nested deeper than ${MAX_DEPTH} levels`);
      continue;
    }
    const children: Visit[] = [];
    if (Array.isArray(current)) {
      if (visit.key === "candidates" && current.length > limits.maxCandidates) {
        found(visit, "limit", `more than the limit of ${limits.maxCandidates} candidates (TICKBOX_MAX_CANDIDATES)`);
      }
      if (visit.key === "items" && current.length > limits.maxChecklistItems) {
        found(visit, "limit", `more than the limit of ${limits.maxChecklistItems} checklist items (TICKBOX_MAX_CHECKLIST_ITEMS)`);
      }
      current.forEach((v, i) => {
        children.push({ value: v, key: i, parent: visit, depth: visit.depth + 1 });
      });
    } else {
      for (const [k, v] of Object.entries(current)) {
        const child: Visit = { value: v, key: k, parent: visit, depth: visit.depth + 1 };
        if (!isWellFormed(k)) found(child, "invalid", "the field name contains a lone surrogate, which is not Unicode text");
        children.push(child);
      }
    }
    // In reverse, so that findings come in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return findings;
}

/**
 * Whether `limitFindings` finds nothing in a value: the same checks, answered yes or no without
 * keeping a path for every value (almost every request passes; the walk that names what is wrong
 * runs only for one that does not). Recursive: it stops at MAX_DEPTH, so the stack stays shallow.
 */
function withinLimits(value: unknown, limits: RequestLimits, key: Key | null, depth: number): boolean {
  if (typeof value === "string") return isWellFormed(value) && fitsChars(value, limits.maxTextChars);
  if (value === null || typeof value !== "object") return true;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    if (key === "candidates" && value.length > limits.maxCandidates) return false;
    if (key === "items" && value.length > limits.maxChecklistItems) return false;
    for (let i = 0; i < value.length; i++) if (!withinLimits(value[i], limits, i, depth + 1)) return false;
    return true;
  }
  for (const k of Object.keys(value)) {
    if (!isWellFormed(k) || !withinLimits((value as Record<string, unknown>)[k], limits, k, depth + 1)) return false;
  }
  return true;
}
