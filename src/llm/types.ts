import type { Slots } from "./limiter";
import type { TokenCounts, Usage, UsageByModel } from "./usage";

/**
 * How the upstream is held to an answer's shape (TICKBOX_STRUCTURED_OUTPUT): a strict JSON Schema,
 * JSON mode, or plain text with the schema in the prompt. Part of every cache key.
 */
export type StructuredOutputMode = "json_schema" | "json_object" | "text";

/** Where a call books what each of its attempts cost (a request's meter). */
export interface UsageSink {
  charge(model: string, usage: Usage): void;
}

/** A reservation of upstream tokens, settled to what the call really cost once it is over. */
export interface Reservation {
  settle(spent: UsageByModel): void | Promise<void>;
}

/** The caller's upstream spending: every upstream call reserves its estimate here first. */
export interface TokenBudget {
  /**
   * Reserves `estimate` tokens for a call that ends by `deadline` (epoch ms), or throws
   * `budget_exceeded` (429) when they would not fit.
   */
  reserve(estimate: number, deadline?: number): Promise<Reservation>;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/**
 * One sampled token with the alternatives the server listed at that position, as validated at the
 * port (src/llm/answer.ts): every logprob finite and at most 0, `top_logprobs` always a list (empty
 * when the server listed none).
 */
export interface TokenLogprob {
  token: string;
  logprob: number;
  /** UTF-8 bytes of the token, when the server sends them (tokens can split a character). */
  bytes?: number[] | null;
  top_logprobs: { token: string; logprob: number }[];
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  /** The JSON Schema the answer must match; `name` labels it for the upstream. */
  schema?: { name: string; schema: Record<string, unknown> };
  temperature: number;
  /** Ask for token logprobs (the client drops the request when the backend has none). */
  logprobs: boolean;
  /** Epoch ms after which no attempt is started and a running one is cut short (a 504). */
  deadline?: number | undefined;
  /** Books every attempt's call and tokens to the request that caused it. */
  meter?: UsageSink | undefined;
  /**
   * A limit on calls in flight that this request shares with others (a batch's concurrency),
   * taken before the server-wide one.
   */
  slots?: Slots | undefined;
  /** The caller's token budget: the call reserves its estimate there before it is sent. */
  budget?: TokenBudget | undefined;
  /** The caller's W3C traceparent, sent on to the upstream. */
  traceparent?: string | undefined;
  /**
   * Called right before each attempt is sent, after any wait for a slot; what it throws ends the
   * call unsent, as thrown (a batch item whose key was revoked meanwhile).
   */
  beforeSend?: (() => Promise<void>) | undefined;
}

export interface ChatResult {
  content: string;
  /** Token logprobs of the content, or null when the server returned none (or none valid). */
  tokens: TokenLogprob[] | null;
  /** Non-negative integer token counts, as the upstream reported them (0 when it did not). */
  usage: TokenCounts;
}

/** The upstream model port: an OpenAI-compatible server in production, a scripted one in tests. */
export interface LlmClient {
  complete(request: ChatRequest): Promise<ChatResult>;
}
