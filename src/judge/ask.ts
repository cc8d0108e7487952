import type { z } from "zod";
import { type RequestContext, upstreamCall } from "../context";
import { ProblemError } from "../errors";
import type { ChatMessage, LlmClient, TokenLogprob } from "../llm/types";
import { addUsage, noUsage, type Usage } from "../llm/usage";
import { reaskMessages } from "./prompts";
import { readAnswer } from "./output";

export interface StructuredAnswer<T> {
  value: T;
  content: string;
  /** Where the JSON begins inside `content`. */
  start: number;
  tokens: TokenLogprob[] | null;
  usage: Usage;
}

/**
 * Asks for a JSON answer and validates it. An invalid answer gets one re-ask that tells the model
 * what was wrong; a second invalid answer is a 502. Nothing here guesses a missing value.
 */
export async function askStructured<T>(
  llm: LlmClient,
  request: {
    model: string;
    messages: ChatMessage[];
    schema: { name: string; schema: Record<string, unknown> };
    validator: z.ZodType<T>;
    logprobs: boolean;
  },
  ctx: RequestContext,
): Promise<StructuredAnswer<T>> {
  let usage = noUsage();
  let messages = request.messages;
  let problems: string[] = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    const result = await llm.complete({
      model: request.model,
      messages,
      schema: request.schema,
      temperature: 0,
      logprobs: request.logprobs,
      ...upstreamCall(ctx),
    });
    usage = addUsage(usage, { upstream_calls: 1, ...result.usage });
    const answer = readAnswer(result.content, request.validator);
    if (answer.ok) {
      return { value: answer.value, content: result.content, start: answer.start, tokens: result.tokens, usage };
    }
    problems = answer.problems;
    messages = reaskMessages(request.messages, result.content, problems);
  }
  throw new ProblemError(
    "upstream_invalid_output",
    `the upstream model's answer did not match the ${request.schema.name} schema twice: ${problems.slice(0, 5).join("; ")}`,
  );
}
