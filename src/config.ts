import { z } from "zod";

/**
 * The contract's ceilings of the configurable request limits: the most TICKBOX_MAX_TEXT_CHARS,
 * TICKBOX_MAX_CANDIDATES and TICKBOX_MAX_CHECKLIST_ITEMS may allow, and what the contract states
 * as the most characters of a text and items of those lists.
 */
export const LIMIT_CEILINGS = { textChars: 200_000, candidates: 64, checklistItems: 50 } as const;

/** The most items one batch may hold, however it is sent (a JSON array or JSON Lines). */
export const MAX_BATCH_ITEMS = 100_000;

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

const between = (min: number, max: number) => `must be between ${min} and ${max}`;

// Numbers are written in decimal: "0x10", "1e3" or " 8" are refused rather than read as numbers. A
// value of the right form out of range is told the range.
const intIn = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || v === "" ? fallback : typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v),
    z
      .number({ error: "must be a whole number in decimal" })
      .min(min, between(min, max))
      .max(max, between(min, max))
      .refine(Number.isInteger, "must be a whole number in decimal"),
  );

const numberIn = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || v === "" ? fallback : typeof v === "string" && /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v) ? Number(v) : v),
    z.number({ error: "must be a number in decimal" }).min(min, between(min, max)).max(max, between(min, max)),
  );

const priceTable = z.record(z.string(), z.strictObject({ prompt: z.number().min(0), completion: z.number().min(0) }));
export type PriceTable = z.infer<typeof priceTable>;

/** Every setting the service reads, from the environment (Node) or the bindings (Workers). */
export const configSchema = z.object({
  PORT: intIn(0, 65535, 8787),
  HOST: z.string().trim().min(1).default("127.0.0.1"),
  TICKBOX_DB: z.string().trim().min(1).default("./data/tickbox.db"),
  OPENAI_BASE_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  OPENAI_API_KEY: optionalText,
  TICKBOX_JUDGE_MODEL: optionalText,
  TICKBOX_CHECKLIST_MODEL: optionalText,
  // Models a request may name as its judge (`judge`), besides TICKBOX_JUDGE_MODEL: comma-separated.
  TICKBOX_JUDGE_MODELS: optionalText,
  TICKBOX_REVISER_MODEL: optionalText,
  TICKBOX_UPSTREAM_CONCURRENCY: intIn(1, 1024, 16),
  TICKBOX_UPSTREAM_TIMEOUT_MS: intIn(100, 600_000, 60_000),
  TICKBOX_UPSTREAM_RETRIES: intIn(0, 10, 2),
  TICKBOX_REQUEST_DEADLINE_MS: intIn(100, 3_600_000, 120_000),
  TICKBOX_BREAKER_FAILURES: intIn(1, 1000, 5),
  TICKBOX_BREAKER_COOLDOWN_MS: intIn(100, 600_000, 15_000),
  TICKBOX_STRUCTURED_OUTPUT: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["json_schema", "json_object", "text"]).default("json_schema")),
  TICKBOX_LOGPROBS: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["auto", "off"]).default("auto")),
  TICKBOX_PASS_THRESHOLD: numberIn(0, 1, 0.8),
  TICKBOX_ADMIN_KEY: optionalText.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  TICKBOX_ALLOW_OPEN: z.preprocess((v) => (v === "" || v === undefined ? "false" : v), z.enum(["true", "false"])).transform((v) => v === "true"),
  TICKBOX_METRICS_PUBLIC: z.preprocess((v) => (v === "" || v === undefined ? "true" : v), z.enum(["true", "false"])).transform((v) => v === "true"),
  TICKBOX_CACHE_SCOPE: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["tenant", "global"]).default("tenant")),
  TICKBOX_PRICES: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (!text?.trim()) return {};
      try {
        return priceTable.parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be JSON like {"gpt-4o-mini": {"prompt": 0.15, "completion": 0.6}} (USD per million tokens)' });
        return z.NEVER;
      }
    }),
  /** The most characters (code points) of any text in a request. */
  TICKBOX_MAX_TEXT_CHARS: intIn(1, LIMIT_CEILINGS.textChars, LIMIT_CEILINGS.textChars),
  TICKBOX_MAX_CANDIDATES: intIn(2, LIMIT_CEILINGS.candidates, LIMIT_CEILINGS.candidates),
  TICKBOX_MAX_CHECKLIST_ITEMS: intIn(1, LIMIT_CEILINGS.checklistItems, LIMIT_CEILINGS.checklistItems),
  TICKBOX_MAX_BODY_BYTES: intIn(1024, 64 * 1024 * 1024, 1024 * 1024),
  TICKBOX_MAX_BATCH_BODY_BYTES: intIn(1024, 512 * 1024 * 1024, 256 * 1024 * 1024),
  TICKBOX_REPLAY_CACHE_MB: intIn(0, 4096, 64),
  /** Where the log goes: one JSON line per request and the service's own lines; "off" keeps only warnings and errors, on stderr. */
  TICKBOX_LOG: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["stdout", "stderr", "off"]).default("stdout")),
  /** The most bytes of one upstream answer that are read; past it the call is a 502. */
  TICKBOX_MAX_ANSWER_BYTES: intIn(64 * 1024, 1024 * 1024 * 1024, 16 * 1024 * 1024),
  /** How long a client may take to send a request's headers (Node's headersTimeout). */
  TICKBOX_HEADERS_TIMEOUT_MS: intIn(1000, 600_000, 10_000),
  /**
   * How long a client may take to send a request's body, plus a second per MiB received, so that a
   * large batch arriving at 1 MiB/s or faster is never cut while a trickle is: past it, a 408.
   */
  TICKBOX_REQUEST_TIMEOUT_MS: intIn(1000, 3_600_000, 15_000),
  /** Connections served at once; more are refused when they connect. */
  TICKBOX_MAX_CONNECTIONS: intIn(1, 1_000_000, 1024),
  /** How long a batch's runner may be silent before another process takes its batch over. */
  TICKBOX_BATCH_LEASE_MS: intIn(300, 3_600_000, 30_000),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses the configuration and throws a ConfigError whose message names every bad variable,
 * so that a misconfigured deployment stops at start-up rather than on the first request.
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
}

/** What the judge needs to reach an upstream model, or the variables still to set. */
export type UpstreamSettings =
  | {
      configured: true;
      baseURL: string | undefined;
      apiKey: string | undefined;
      judgeModel: string;
      /** Every model a request may name as its judge: the judge model first, then TICKBOX_JUDGE_MODELS. */
      judgeModels: string[];
      checklistModel: string;
    }
  | { configured: false; missing: string[] };

export function upstreamSettings(config: Config): UpstreamSettings {
  const missing: string[] = [];
  if (!config.TICKBOX_JUDGE_MODEL) missing.push("TICKBOX_JUDGE_MODEL");
  if (!config.OPENAI_BASE_URL && !config.OPENAI_API_KEY) missing.push("OPENAI_BASE_URL or OPENAI_API_KEY");
  if (missing.length > 0 || !config.TICKBOX_JUDGE_MODEL) return { configured: false, missing };
  return {
    configured: true,
    baseURL: config.OPENAI_BASE_URL,
    apiKey: config.OPENAI_API_KEY,
    judgeModel: config.TICKBOX_JUDGE_MODEL,
    judgeModels: [
      ...new Set([
        config.TICKBOX_JUDGE_MODEL,
        ...(config.TICKBOX_JUDGE_MODELS ?? "")
          .split(",")
          .map((m) => m.trim())
          .filter((m) => m !== ""),
      ]),
    ],
    checklistModel: config.TICKBOX_CHECKLIST_MODEL ?? config.TICKBOX_JUDGE_MODEL,
  };
}
