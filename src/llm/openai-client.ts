import OpenAI from "openai";
import { ProblemError } from "../errors";
import type { Metrics } from "../metrics";
import { Limiter } from "./limiter";
import { type RetryPolicy, backoffMs, isRetryableStatus, retryAfterMs } from "./retry";
import type { ChatMessage, ChatRequest, ChatResult, LlmClient, TokenLogprob } from "./types";

export type StructuredOutputMode = "json_schema" | "json_object" | "text";

export interface OpenAiClientOptions {
  baseURL: string | undefined;
  apiKey: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
  structuredOutput: StructuredOutputMode;
  logprobs: "auto" | "off";
  metrics: Metrics;
  /** Injected for tests and for runtimes with their own fetch. */
  fetch?: typeof fetch;
}

const TOP_LOGPROBS = 5;

/**
 * Without strict structured outputs the schema travels in the prompt, in a fenced block, and the
 * answer is parsed from the text (see `extractJson`).
 */
export function schemaInPrompt(messages: ChatMessage[], schema: Record<string, unknown>, mode: StructuredOutputMode): ChatMessage[] {
  const note =
    `\n\nAnswer with one JSON object${mode === "text" ? " and nothing else" : ""}, matching this JSON Schema:\n` +
    "```schema\n" + JSON.stringify(schema) + "\n```";
  const [first, ...rest] = messages;
  if (!first || first.role !== "system") return [{ role: "system", content: note.trim() }, ...messages];
  return [{ role: "system", content: first.content + note }, ...rest];
}

/**
 * The LlmClient for any OpenAI-compatible server (OpenAI, Azure, vLLM, Ollama, llama.cpp,
 * LM Studio). The SDK retries connection errors, 408, 409, 429 and 5xx with backoff, honouring
 * `Retry-After`; here every failure becomes a ProblemError (502, or 504 for a timeout).
 * Whether the backend returns logprobs is learnt from its first answer and remembered.
 */
export class OpenAiCompatibleClient implements LlmClient {
  private readonly client: OpenAI;
  private readonly limiter: Limiter;
  private logprobSupport: "unknown" | "yes" | "no";

  constructor(private readonly options: OpenAiClientOptions) {
    this.client = new OpenAI({
      baseURL: options.baseURL,
      // Local servers (Ollama, llama.cpp, vLLM) accept any key; the SDK insists on one.
      apiKey: options.apiKey ?? "unused",
      timeout: options.timeoutMs,
      // Retries are ours (see `send`): each attempt is counted, metered and bounded by the deadline.
      maxRetries: 0,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.limiter = new Limiter(options.concurrency);
    this.logprobSupport = options.logprobs === "off" ? "no" : "unknown";
  }

  complete(request: ChatRequest): Promise<ChatResult> {
    const call = () => this.limiter.run(() => this.send(request));
    // The caller's own slot first, so that waiting for it never holds a server-wide one.
    return request.slots ? request.slots.run(call) : call();
  }

  /**
   * One logical call: attempts until one succeeds, the error is not worth retrying, the retries are
   * spent or the request's deadline would pass. Waits honour Retry-After, else back off with jitter.
   */
  private async send(request: ChatRequest): Promise<ChatResult> {
    const policy: RetryPolicy = { retries: this.options.maxRetries, baseMs: 250, capMs: 8_000 };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.sendOnce(request);
      } catch (error) {
        const status = error instanceof OpenAI.APIError ? error.status : undefined;
        const retryable =
          error instanceof OpenAI.APIConnectionError || (error instanceof OpenAI.APIError && isRetryableStatus(status));
        if (!retryable || attempt >= policy.retries) throw toProblem(error);
        const wait = backoffMs(policy, attempt, error instanceof OpenAI.APIError ? retryAfterMs(error.headers) : undefined);
        if (request.deadline !== undefined && Date.now() + wait >= request.deadline) throw toProblem(error);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  private async sendOnce(request: ChatRequest): Promise<ChatResult> {
    const wantLogprobs = request.logprobs && this.logprobSupport !== "no";
    try {
      return await this.attempt(request, wantLogprobs);
    } catch (error) {
      // A backend that rejects the logprobs parameter is asked once more without it.
      if (wantLogprobs && this.logprobSupport === "unknown" && error instanceof OpenAI.BadRequestError) {
        this.logprobSupport = "no";
        return this.attempt(request, false);
      }
      throw error;
    }
  }

  private async attempt(request: ChatRequest, withLogprobs: boolean): Promise<ChatResult> {
    const { structuredOutput: mode, metrics } = this.options;
    const kind = request.schema?.name ?? "text";
    const messages =
      request.schema && mode !== "json_schema"
        ? schemaInPrompt(request.messages, request.schema.schema, mode)
        : request.messages;
    const started = performance.now();
    let outcome = "error";
    let usage = { prompt_tokens: 0, completion_tokens: 0 };
    const timeout =
      request.deadline === undefined ? this.options.timeoutMs : Math.min(this.options.timeoutMs, request.deadline - Date.now());
    if (timeout <= 0) {
      throw new ProblemError("upstream_timeout", "the request's deadline passed before the upstream could answer (TICKBOX_REQUEST_DEADLINE_MS)");
    }
    try {
      const completion = await this.client.chat.completions.create({
        model: request.model,
        messages,
        temperature: request.temperature,
        ...(request.schema && mode === "json_schema"
          ? { response_format: { type: "json_schema", json_schema: { name: request.schema.name, strict: true, schema: request.schema.schema } } }
          : request.schema && mode === "json_object"
            ? { response_format: { type: "json_object" } }
            : {}),
        ...(withLogprobs ? { logprobs: true, top_logprobs: TOP_LOGPROBS } : {}),
      }, { timeout, ...(request.traceparent ? { headers: { traceparent: request.traceparent } } : {}) });
      const choice = completion.choices?.[0];
      usage = {
        prompt_tokens: completion.usage?.prompt_tokens ?? 0,
        completion_tokens: completion.usage?.completion_tokens ?? 0,
      };
      metrics.upstreamTokens.inc({ type: "prompt" }, usage.prompt_tokens);
      metrics.upstreamTokens.inc({ type: "completion" }, usage.completion_tokens);
      if (choice?.message?.refusal) {
        throw new ProblemError("upstream_invalid_output", `the upstream model refused: ${choice.message.refusal.slice(0, 300)}`);
      }
      if (typeof choice?.message?.content !== "string") {
        throw new ProblemError("upstream_invalid_output", "the upstream answer has no message content");
      }
      const tokens = (choice.logprobs?.content ?? null) as TokenLogprob[] | null;
      if (withLogprobs && this.logprobSupport === "unknown") this.logprobSupport = tokens ? "yes" : "no";
      outcome = "ok";
      return { content: choice.message.content, tokens: tokens && tokens.length > 0 ? tokens : null, usage };
    } catch (error) {
      // SDK errors travel on to `send`, which decides on a retry; the rest are already problems.
      throw error instanceof OpenAI.APIError ? error : toProblem(error);
    } finally {
      // Every attempt the upstream saw is booked, answered or not, so usage matches its own count.
      request.meter?.charge(request.model, { upstream_calls: 1, ...usage });
      metrics.upstreamCalls.inc({ kind, outcome });
      metrics.upstreamLatency.observe((performance.now() - started) / 1000);
    }
  }
}

function toProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError || error instanceof OpenAI.APIUserAbortError) {
    return new ProblemError("upstream_timeout", "the upstream model did not answer in time (TICKBOX_UPSTREAM_TIMEOUT_MS)");
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new ProblemError("upstream_error", "the upstream model could not be reached (check OPENAI_BASE_URL)");
  }
  if (error instanceof OpenAI.APIError) {
    const message = typeof error.message === "string" ? error.message.slice(0, 300) : "";
    return new ProblemError("upstream_error", `the upstream model answered HTTP ${error.status ?? "?"}: ${message}`);
  }
  return new ProblemError("upstream_error", "the upstream model sent an answer that could not be read");
}
