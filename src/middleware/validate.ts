import type { z } from "zod";
import { ProblemError, pointer } from "../errors";
import { type Finding, type Placement, type RequestLimits, limitFindings } from "./limits";

/** Field errors listed in one problem, at most; the detail says how many more there were. */
const MAX_REPORTED = 20;

/** zod's issues as findings: one per unknown field, else one per issue. */
export function schemaFindings(error: z.ZodError, place: Placement = (path) => path): Finding[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.filter((key): key is string | number => typeof key !== "symbol");
    return issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ kind: "invalid" as const, path: pointer(place([...path, key])), message: "unknown field" }))
      : [{ kind: "invalid" as const, path: pointer(place(path)), message: issue.message }];
  });
}

/**
 * The 422 for a list of findings: `validation_failed` when anything is invalid, else
 * `limit_exceeded`, listing the first MAX_REPORTED.
 */
export function problemOf(findings: Finding[]): ProblemError {
  const invalid = findings.some((f) => f.kind === "invalid");
  const errors = findings.slice(0, MAX_REPORTED).map(({ path, message }) => ({ path, message }));
  const more = findings.length - errors.length;
  const detail = errors.map((e) => `${e.path}: ${e.message}`).join("; ") + (more > 0 ? `; and ${more} more` : "");
  return new ProblemError(invalid ? "validation_failed" : "limit_exceeded", detail, errors);
}

/** Throws the 422 for a value's whole-value findings (see `limitFindings`), if it has any. */
export function enforceLimits(value: unknown, limits: RequestLimits, place?: Placement): void {
  const findings = limitFindings(value, limits, place);
  if (findings.length > 0) throw problemOf(findings);
}

/**
 * The one check a request's content goes through, whatever its route and body format (a JSON
 * body, each JSON Lines item, a promptfoo payload's derived request): the schema, then the value
 * as a whole (limitFindings). The findings, or the parsed value when there are none.
 */
export function checkInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  limits: RequestLimits,
  place?: Placement,
): { ok: true; value: z.infer<T> } | { ok: false; findings: Finding[] } {
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, findings: schemaFindings(parsed.error, place) };
  const findings = limitFindings(parsed.data, limits, place);
  return findings.length > 0 ? { ok: false, findings } : { ok: true, value: parsed.data };
}

/** `checkInput` that throws its 422. */
export function validateInput<T extends z.ZodType>(schema: T, value: unknown, limits: RequestLimits, place?: Placement): z.infer<T> {
  const checked = checkInput(schema, value, limits, place);
  if (!checked.ok) throw problemOf(checked.findings);
  return checked.value;
}
