import { describe, expect, it } from "vitest";
import { nodeFetch } from "../../src/llm/node-fetch";
import { useFakeUpstream } from "../support/file-fake";

const fake = useFakeUpstream();
const chat = (body: unknown, signal?: AbortSignal) =>
  nodeFetch(`${fake.baseUrl}/chat/completions`, {
    method: "POST",
    headers: new Headers({ "content-type": "application/json", authorization: "Bearer k" }),
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

describe("nodeFetch", () => {
  it("sends the method, headers and body, and returns status, headers and body", async () => {
    const res = await chat({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(((await res.json()) as any).model).toBe("m");
    expect(fake.calls[0]!.headers.authorization).toBe("Bearer k");
    expect(fake.calls[0]!.body.messages[0].content).toBe("hi");
  });

  it("passes error statuses and their headers through", async () => {
    fake.enqueue({ kind: "status", status: 429, retryAfter: "7" });
    const res = await chat({ model: "m", messages: [] });
    expect(res.status).toBe(429);
    expect(res.ok).toBe(false);
    expect(res.headers.get("retry-after")).toBe("7");
  });

  it("rejects with an AbortError when aborted, and on a reset connection", async () => {
    fake.enqueue({ kind: "hang" });
    const aborted = await chat({ model: "m", messages: [] }, AbortSignal.timeout(150)).catch((e) => e);
    expect(aborted.name).toMatch(/AbortError|TimeoutError/);
    fake.enqueue({ kind: "reset" });
    await expect(chat({ model: "m", messages: [] })).rejects.toThrow();
    // The pool recovers: the next call works.
    expect((await chat({ model: "m", messages: [] })).status).toBe(200);
  });
});
