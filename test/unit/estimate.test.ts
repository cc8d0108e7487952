// The prompt part of a reservation is a bound, whatever the text and however the schema travels:
// what a byte-level tokenizer can count of what the client actually sends (messages as the
// structured-output mode rewrites them, and the schema when it goes as response_format) never
// exceeds it. Text is drawn from every UTF-16 code unit, lone surrogates included.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { schemaInPrompt } from "../../src/llm/openai-client";
import type { ChatMessage } from "../../src/llm/types";
import { promptTokensAtMost } from "../../src/usage/estimate";
import { byteLevelWorstCase } from "../support/fake-upstream";

const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 400 });
const message = fc.record({ role: fc.constantFrom("system" as const, "user" as const, "assistant" as const), content: anyText });
const schema = fc.dictionary(anyText, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }).map((properties) => ({ type: "object", properties }));

describe("the most a prompt can be billed", () => {
  it("bounds a byte-level count of what is sent, in every structured-output mode", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), fc.option(schema, { nil: undefined }), (messages: ChatMessage[], answerSchema) => {
        const bound = promptTokensAtMost({ messages, ...(answerSchema ? { schema: { name: "s", schema: answerSchema } } : {}) });
        for (const mode of ["json_schema", "json_object", "text"] as const) {
          const sent = answerSchema && mode !== "json_schema" ? schemaInPrompt(messages, answerSchema, mode) : messages;
          const body = {
            messages: sent,
            ...(answerSchema && mode === "json_schema" ? { response_format: { type: "json_schema", json_schema: { name: "s", schema: answerSchema } } } : {}),
          };
          expect(byteLevelWorstCase(body)).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 500 },
    );
  });
});
