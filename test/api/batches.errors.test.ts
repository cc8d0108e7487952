import { describe, expect, it } from "vitest";
import { infobenchItems, jsonLines } from "../support/batches";
import { useFakeUpstream } from "../support/file-fake";
import { makeApp, upstreamEnv } from "../support/harness";

const fake = useFakeUpstream();

const ndjson = { "content-type": "application/x-ndjson" };

function expectProblem(res: { status: number; headers: Headers; json: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(res.json).toMatchObject({ status, code, type: `/problems/${code}` });
}

describe("batches — errors", () => {
  it("501 naming the Node server where there is no background service", async () => {
    const t = makeApp(upstreamEnv(fake));
    const res = await t.post("/v1/batches", infobenchItems(2));
    expectProblem(res, 501, "not_implemented");
    expect(res.json.detail).toContain("Node server");
    expectProblem(await t.get("/v1/batches/ba_x"), 501, "not_implemented");
  });

  it("404 for an unknown batch on every batch route", async () => {
    const t = makeApp(upstreamEnv(fake), { background: true });
    for (const path of ["/v1/batches/ba_nope", "/v1/batches/ba_nope/results", "/v1/batches/ba_nope/events"]) {
      expectProblem(await t.get(path), 404, "not_found");
    }
    expectProblem(await t.post("/v1/batches/ba_nope/cancel", undefined), 404, "not_found");
    expectProblem(await t.post("/v1/batches/ba_nope/retry", undefined), 404, "not_found");
  });

  it("422 with a pointer per bad item, for a JSON array and for JSON Lines alike", async () => {
    const t = makeApp(upstreamEnv(fake), { background: true });
    const items: any[] = infobenchItems(3);
    items[1] = { ...items[1], response: "", colour: "red" };
    const asArray = await t.post("/v1/batches", items);
    expectProblem(asArray, 422, "validation_failed");
    const asLines = await t.post("/v1/batches", jsonLines(items), ndjson);
    expectProblem(asLines, 422, "validation_failed");
    const paths = (res: any) => res.json.errors.map((e: any) => e.path).sort();
    expect(paths(asArray)).toEqual(["/1/colour", "/1/response"]);
    expect(paths(asLines)).toEqual(paths(asArray));
    expect(fake.calls).toHaveLength(0);
  });

  it("400 naming the line for malformed JSON Lines; 422 for an empty batch", async () => {
    const t = makeApp(upstreamEnv(fake), { background: true });
    const body = `${jsonLines(infobenchItems(2))}{not json\n`;
    const res = await t.post("/v1/batches", body, ndjson);
    expectProblem(res, 400, "invalid_json");
    expect(res.json.detail).toContain("line 3");
    expectProblem(await t.post("/v1/batches", "\n\n", ndjson), 422, "validation_failed");
    expectProblem(await t.post("/v1/batches", []), 422, "validation_failed");
  });

  it("415 for other media types; JSON Lines only where batches take them", async () => {
    const t = makeApp(upstreamEnv(fake), { background: true });
    expectProblem(await t.post("/v1/batches", "x", { "content-type": "text/plain" }), 415, "unsupported_media_type");
    const single = infobenchItems(1)[0]!;
    expectProblem(await t.post("/v1/evaluations", JSON.stringify(single), ndjson), 415, "unsupported_media_type");
  });

  it("applies the batch body limit to batches, and the ordinary limit to single requests and to each batch item", async () => {
    const t = makeApp({ ...upstreamEnv(fake), TICKBOX_MAX_BODY_BYTES: "4096", TICKBOX_MAX_BATCH_BODY_BYTES: "200000" }, { background: true });
    const items = infobenchItems(10);
    expect(JSON.stringify(items).length).toBeGreaterThan(4096);
    expect((await t.post("/v1/batches", items)).status).toBe(202);
    // One item may be as large as a request of its own, not larger, in either body format.
    const huge = { ...items[0]!, custom_id: "huge", response: "x".repeat(5000) };
    for (const body of [[...items.slice(0, 2), huge], jsonLines([...items.slice(0, 2), huge])]) {
      const refused = await t.post("/v1/batches", body, typeof body === "string" ? ndjson : {});
      expectProblem(refused, 422, "limit_exceeded");
      expect(refused.json.errors).toEqual([{ path: "/2", message: expect.stringContaining("TICKBOX_MAX_BODY_BYTES") }]);
    }
    const tooBig = await t.post("/v1/batches", infobenchItems(200));
    expectProblem(tooBig, 413, "payload_too_large");
    expect(tooBig.json.detail).toContain("TICKBOX_MAX_BATCH_BODY_BYTES");
    const { custom_id: _, ...one } = items[0]!;
    const big = { ...one, response: "x".repeat(5000) };
    const single = await t.post("/v1/evaluations", big);
    expectProblem(single, 413, "payload_too_large");
    expect(single.json.detail).toContain("TICKBOX_MAX_BODY_BYTES");
  });

  it("422 for a concurrency out of range", async () => {
    const t = makeApp(upstreamEnv(fake), { background: true });
    const res = await t.post("/v1/batches?concurrency=0", infobenchItems(1));
    expectProblem(res, 422, "validation_failed");
    expect(res.json.errors[0].path).toBe("/concurrency");
  });
});
