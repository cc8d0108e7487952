import { z } from "zod";
import type { CalibratorModel } from "./calibrators";
import { CalibrationInputError } from "./errors";

const OBJECT = "must be an object";
const FINITE = "must be a finite number";
const POSITIVE = "must be a positive finite number";
const PROBABILITY = "must be a finite number in [0, 1]";
const COUNT = "must be a non-negative integer";

const finite = z.number({ error: FINITE });
const positive = z.number({ error: POSITIVE }).positive({ error: POSITIVE });
const probabilities = z.array(z.number({ error: PROBABILITY }).min(0, { error: PROBABILITY }).max(1, { error: PROBABILITY }), {
  error: "must be an array of numbers",
});

/** What every stored model has, checked first and in this order, whatever its method. */
const common = {
  calibrated: z.boolean({ error: "must be a boolean" }),
  symmetric: z.boolean({ error: "must be a boolean" }),
  // Number.isInteger rather than .int(), which also refuses integers past 2^53.
  n_labels: z.number({ error: COUNT }).refine((n) => Number.isInteger(n) && n >= 0, { error: COUNT }),
};

const METHODS = ["identity", "temperature", "platt", "beta", "isotonic"] as const;

const Stored = z.object(
  {
    ...common,
    params: z.looseObject({}, { error: OBJECT }),
    method: z.enum(METHODS, { error: (issue) => `unknown method ${JSON.stringify(issue.input)}` }),
  },
  { error: OBJECT },
);

/** One schema per method; unknown keys are dropped, so what is applied is only what was checked. */
const byMethod = {
  identity: z.object({
    ...common,
    method: z.literal("identity"),
    params: z.object({}, { error: OBJECT }).transform((): Record<string, never> => ({})),
    reason: z.enum(["too_few_labels", "single_class"], { error: 'must be "too_few_labels" or "single_class"' }),
  }),
  temperature: z.object({ ...common, method: z.literal("temperature"), params: z.object({ temperature: positive }, { error: OBJECT }) }),
  platt: z.object({ ...common, method: z.literal("platt"), params: z.object({ a: finite, b: finite }, { error: OBJECT }) }),
  beta: z.object({ ...common, method: z.literal("beta"), params: z.object({ a: finite, b: finite, c: finite }, { error: OBJECT }) }),
  isotonic: z.object({
    ...common,
    method: z.literal("isotonic"),
    params: z.object({ x: probabilities, y: probabilities }, { error: OBJECT }).superRefine(({ x, y }, ctx) => {
      if (x.length !== y.length || x.length === 0) {
        ctx.addIssue({ code: "custom", path: ["y"], message: "must be non-empty and as long as params.x" });
        return;
      }
      for (let i = 1; i < x.length; i++) {
        if (x[i]! <= x[i - 1]!) return ctx.addIssue({ code: "custom", path: ["x", i], message: "must be strictly increasing" });
        if (y[i]! < y[i - 1]!) return ctx.addIssue({ code: "custom", path: ["y", i], message: "must be non-decreasing" });
      }
    }),
  }),
} satisfies Record<(typeof METHODS)[number], z.ZodType<CalibratorModel>>;

/** `model.params.x[1]` from zod's `["params", "x", 1]` under `model`. */
const fieldPath = (root: string, path: readonly PropertyKey[]) =>
  path.reduce<string>((at, key) => (typeof key === "number" ? `${at}[${key}]` : `${at}.${String(key)}`), root);

function firstProblem(error: z.ZodError, root: string): CalibrationInputError {
  const issue = error.issues[0]!;
  return new CalibrationInputError(fieldPath(root, issue.path), issue.message);
}

/**
 * Validates a calibrator model read back from storage (e.g. a JSON column) so it can be passed to
 * applyCalibrator. Throws CalibrationInputError naming the first bad field, under `path`: the
 * fields every model has first, then the method, then what that method needs.
 */
export function parseCalibratorModel(value: unknown, path = "model"): CalibratorModel {
  const stored = Stored.safeParse(value);
  if (!stored.success) throw firstProblem(stored.error, path);
  const parsed = byMethod[stored.data.method].safeParse(value);
  if (!parsed.success) throw firstProblem(parsed.error, path);
  return parsed.data;
}
