import { expect } from "vitest";
import type { Reply } from "./client";

/** Asserts an RFC 9457 problem response with this status and code, named by its request id. */
export function expectProblem(res: Pick<Reply, "status" | "headers" | "json">, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(res.json).toMatchObject({ status, code, type: `/problems/${code}` });
  expect(typeof res.json.title).toBe("string");
  expect(res.json.detail.length).toBeGreaterThan(0);
  expect(res.json.instance).toMatch(/^urn:request:/);
  expect(res.headers.get("x-request-id")).toBe(res.json.instance.slice("urn:request:".length));
}
