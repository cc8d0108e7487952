import OpenAI from "openai";
import type { Metrics } from "../metrics";
import { AnswerTooLarge, capAnswers } from "./answer-size";
import { clipText } from "../text";
import { parseAnswer, readCompletion, usageOf } from "./answer";
import { UpstreamProblem, deadlinePassed } from "./failure";
import { Limiter } from "./limiter";
import { type RetryPolicy, backoffMs, isRetryableStatus, retryAfterMs } from "./retry";
import type { ChatMessage, ChatRequest, ChatResult, LlmClient, StructuredOutputMode } from "./types";
import type { TokenCounts } from "./usage";

export interface OpenAiClientOptions {
  baseURL: string | undefined;
  apiKey: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
  structuredOutput: StructuredOutputMode;
  logprobs: "auto" | "off";
  /** The most bytes of one answer that are read (TICKBOX_MAX_ANSWER_BYTES). */
  maxAnswerBytes: number;
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
    "```schema\n" +
    JSON.stringify(schema) +
    "\n```";
  const [first, ...rest] = messages;
  if (first?.role !== "system") return [{ role: "system", content: note.trim() }, ...messages];
  return [{ role: "system", content: first.content + note }, ...rest];
}

/**
 * The LlmClient for any OpenAI-compatible server (OpenAI, Azure, vLLM, Ollama, llama.cpp,
 * LM Studio). Connection errors, 408, 409, 429, 5xx and timeouts are retried with backoff,
 * honouring `Retry-After`, within the request's deadline. Every answer is read within
 * TICKBOX_MAX_ANSWER_BYTES and validated field by field (src/llm/answer.ts); every failure becomes
 * an UpstreamProblem (502, or 504 for a timeout) that says what it tells of the upstream's health.
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
      fetch: capAnswers(options.fetch ?? ((input, init) => fetch(input, init)), options.maxAnswerBytes),
    });
    this.limiter = new Limiter(options.concurrency);
    this.logprobSupport = options.logprobs === "off" ? "no" : "unknown";
  }

  complete(request: ChatRequest): Promise<ChatResult> {
    const call = () => this.limiter.run(() => this.send(request), request.deadline);
    // The caller's own slot first, so that waiting for it never holds a server-wide one.
    return request.slots ? request.slots.run(call, request.deadline) : call();
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
        const problem = error as UpstreamProblem;
        if (!problem.retryable || attempt >= policy.retries) throw problem;
        const wait = backoffMs(policy, attempt, problem.retryAfterMs);
        if (request.deadline !== undefined && Date.now() + wait >= request.deadline) throw problem;
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
      if (wantLogprobs && this.logprobSupport === "unknown" && error instanceof UpstreamProblem && error.upstreamStatus === 400) {
        this.logprobSupport = "no";
        return this.attempt(request, false);
      }
      throw error;
    }
  }

  private async attempt(request: ChatRequest, withLogprobs: boolean): Promise<ChatResult> {
    const { structuredOutput: mode, metrics, timeoutMs } = this.options;
    const kind = request.schema?.name ?? "text";
    const messages = request.schema && mode !== "json_schema" ? schemaInPrompt(request.messages, request.schema.schema, mode) : request.messages;
    await request.beforeSend?.();
    const started = performance.now();
    let outcome = "error";
    let usage: TokenCounts = { prompt_tokens: 0, completion_tokens: 0 };
    // The caller's deadline may leave less than the upstream's own timeout: a call it cuts short
    // says nothing about the upstream.
    const timeout = request.deadline === undefined ? timeoutMs : Math.min(timeoutMs, request.deadline - Date.now());
    if (timeout <= 0) throw deadlinePassed("before the upstream could be asked");
    try {
      const response = await this.client.chat.completions
        .create(
          {
            model: request.model,
            messages,
            temperature: request.temperature,
            ...(request.schema && mode === "json_schema"
              ? { response_format: { type: "json_schema", json_schema: { name: request.schema.name, strict: true, schema: request.schema.schema } } }
              : request.schema && mode === "json_object"
                ? { response_format: { type: "json_object" } }
                : {}),
            ...(withLogprobs ? { logprobs: true, top_logprobs: TOP_LOGPROBS } : {}),
          },
          { timeout, ...(request.traceparent ? { headers: { traceparent: request.traceparent } } : {}) },
        )
        .asResponse();
      const json = parseAnswer(await response.text());
      usage = usageOf(json);
      const answer = readCompletion(json);
      metrics.upstreamTokens.inc({ type: "prompt" }, usage.prompt_tokens);
      metrics.upstreamTokens.inc({ type: "completion" }, usage.completion_tokens);
      if (withLogprobs && this.logprobSupport === "unknown" && answer.logprobs !== "invalid") {
        this.logprobSupport = answer.logprobs === "valid" ? "yes" : "no";
      }
      outcome = "ok";
      return { content: answer.content, tokens: answer.tokens, usage };
    } catch (error) {
      throw asUpstreamProblem(error, timeout < timeoutMs);
    } finally {
      // Every attempt the upstream saw is booked, answered or not, so usage matches its own count.
      request.meter?.charge(request.model, { upstream_calls: 1, ...usage });
      metrics.upstreamCalls.inc({ kind, outcome });
      metrics.upstreamLatency.observe((performance.now() - started) / 1000);
    }
  }
}

/**
 * What a failed attempt means: its problem for the caller, whether to try again, and what it says
 * of the upstream (see UpstreamHealth). `cutByDeadline`: the attempt's timeout was the caller's
 * deadline rather than the upstream's own.
 */
function asUpstreamProblem(error: unknown, cutByDeadline: boolean): UpstreamProblem {
  if (error instanceof UpstreamProblem) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError || error instanceof OpenAI.APIUserAbortError) {
    if (cutByDeadline) return deadlinePassed("while the upstream was answering");
    return new UpstreamProblem("upstream_timeout", "the upstream model did not answer in time (TICKBOX_UPSTREAM_TIMEOUT_MS)", "outage", true);
  }
  if (error instanceof OpenAI.APIConnectionError) {
    if (error.cause instanceof AnswerTooLarge) return new UpstreamProblem("upstream_invalid_output", error.cause.message, "answered");
    return new UpstreamProblem("upstream_error", "the upstream model could not be reached (check OPENAI_BASE_URL)", "outage", true);
  }
  if (error instanceof OpenAI.APIError) {
    const status = error.status;
    const message = typeof error.message === "string" ? clipText(error.message, 300) : "";
    const retryable = isRetryableStatus(status);
    const problem = new UpstreamProblem(
      "upstream_error",
      `the upstream model answered HTTP ${status ?? "?"}: ${message}`,
      // A 4xx other than these is about the request or the deployment, not the upstream's health.
      retryable ? "outage" : "answered",
      retryable,
    );
    problem.upstreamStatus = status;
    problem.retryAfterMs = retryAfterMs(error.headers);
    return problem;
  }
  return new UpstreamProblem("upstream_error", "the upstream model sent an answer that could not be read", "answered");
}
