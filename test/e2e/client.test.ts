import { afterAll, beforeAll, expect, it } from "vitest";
import { createClient } from "tickbox/client";
import { startServer } from "../../src/server";
import { infobenchItems } from "../support/batches";
import { type FakeUpstream, startFakeUpstream } from "../support/fake-upstream";
import { upstreamEnv } from "../support/harness";

let fake: FakeUpstream;
let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  fake = await startFakeUpstream();
  server = await startServer({ ...upstreamEnv(fake), TICKBOX_DB: ":memory:", PORT: "0" });
});
afterAll(async () => {
  await server.stop();
  await fake.close();
});

it("the typed client from tickbox/client talks to a running server", async () => {
  const client = createClient(server.url);
  const { custom_id: _, ...request } = infobenchItems(1)[0]!;
  const res = await client.v1.evaluations.$post({ json: request });
  expect(res.status).toBe(200);
  if (res.status !== 200) return;
  const evaluation = await res.json();
  // Typed from the route's response schema: these compile only because the fields exist.
  const weighted: number = evaluation.scores.weighted;
  expect(weighted).toBe(1);
  expect(evaluation.results).toHaveLength(request.checklist.items.length);

  const fetched = await client.v1.evaluations[":id"].$get({ param: { id: evaluation.id } });
  expect(fetched.status).toBe(200);

  // Every judging resource is typed, selections included: `winner` compiles as a number.
  const selection = await client.v1.selections.$post({
    json: { instruction: request.instruction, candidates: [request.response, "A shorter answer."], checklist: request.checklist },
  });
  expect(selection.status).toBe(200);
  if (selection.status === 200) {
    const winner: number | null = (await selection.json()).winner;
    expect([0, 1]).toContain(winner);
  }

  const missing = await client.v1.batches[":id"].$get({ param: { id: "ba_missing" } });
  expect(missing.status).toBe(404);

  // @ts-expect-error: the client knows the API's paths, and this is not one of them.
  expect(client.v1.nonsense).toBeDefined();
});
