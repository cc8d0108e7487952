// What only a queue does to batches, inside workerd: retries and the dead-letter queue, messages
// delivered again, outages that must fail no item, pauses that wake by a delayed message.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, inject, it } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import type { BatchMessage } from "../../src/batches/queue-runner";
import { remoteControl } from "../support/fake-control";
import { upstreamVars } from "../support/upstream-vars";
import { freshItems } from "../contract/batches";
import { settled } from "../contract/settle";
import { bindingsWith, capturingQueue, deliver, delivery, workerClient } from "./bindings";

const upstream = remoteControl(inject("upstreamUrl"));
const vars = upstreamVars(upstream.baseUrl);
const gradings = async () => (await upstream.calls()).filter((c) => c.kind === "grading").length;
/** The consumer's max_retries in wrangler.toml: a message is delivered that many times more before the dead-letter queue. */
const maxRetries = Number(/\[\[queues\.consumers\]\]\s*queue = "tickbox-batches"[\s\S]*?max_retries = (\d+)/.exec(wranglerToml)![1]);

/** A D1 database whose write of finished items fails, as if the isolate died between grading and recording. */
function failingFinish(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, name) {
      if (name === "prepare")
        return (sql: string) => target.prepare(/^update "batch_items" set "status" = \?, "passed"/.test(sql) ? "select no_such_function()" : sql);
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

beforeEach(() => upstream.reset());

describe("batches on the queue", () => {
  it("sends an item the upstream keeps failing to the dead-letter queue, which records it failed with its problem; the batch completes", async () => {
    expect(maxRetries).toBeGreaterThan(0);
    await upstream.script({ faults: Array.from({ length: maxRetries + 1 }, () => ({ kind: "status" as const, status: 503 })) });
    const client = workerClient(bindingsWith(vars));
    const created = await client.post("/v1/batches", freshItems(1, "dead letter"));
    const done = await settled(client, created.json.id);
    expect(done).toMatchObject({ status: "completed", counts: { pending: 0, running: 0, done: 0, failed: 1 } });
    const line = JSON.parse((await client.get(`/v1/batches/${created.json.id}/results`)).text);
    expect(line.problem).toMatchObject({ code: "upstream_error", status: 502 });
    expect(line.problem.detail).toContain("503");
    // Every delivery asked the upstream once: the first and its max_retries redeliveries.
    expect(await gradings()).toBe(maxRetries + 1);
  });

  it("grades nothing again when a message comes back after its item's grading was stored, and counts the item once", async () => {
    const queue = capturingQueue();
    const own = { ...bindingsWith(vars), BATCH_QUEUE: queue };
    const client = workerClient(own);
    const created = await client.post("/v1/batches?concurrency=2", freshItems(3, "redelivery"));
    expect(queue.sent.map((m) => m.body.kind)).toEqual(["dispatch"]);
    await deliver(
      own,
      queue.take().map((m) => delivery(m.body)),
    );
    const items = queue.take().map((m) => m.body as Extract<BatchMessage, { kind: "item" }>);
    expect(items.map((m) => m.index)).toEqual([0, 1, 2]);

    // The first delivery grades item 0 and stores the grading, but cannot record the item.
    const first = delivery(items[0]);
    const failed = await deliver({ ...own, DB: failingFinish(env.DB) }, [first]);
    expect(failed.retryMessages.map((r: { msgId: string }) => r.msgId)).toEqual([first.id]);
    expect(await gradings()).toBe(1);
    expect((await client.get(`/v1/batches/${created.json.id}`)).json.counts).toMatchObject({ running: 1, done: 0 });

    // Delivered again, to another isolate (a new env object): a cache hit, recorded once.
    const again = await deliver({ ...own }, [{ ...first, attempts: 2 }]);
    expect(again.explicitAcks).toEqual([first.id]);
    // Once more, and under a second message for the same item: both find it finished.
    await deliver({ ...own }, [{ ...first, attempts: 3 }, delivery({ ...items[0], claim: "a-second-message" })]);
    expect(await gradings()).toBe(1);
    const view = (await client.get(`/v1/batches/${created.json.id}`)).json;
    expect(view.counts).toMatchObject({ pending: 2, running: 0, done: 1 });
    expect(view.summary).toMatchObject({ items_finished: 1, cache_hits: 1 });

    await deliver(
      own,
      items.slice(1).map((m) => delivery(m)),
    );
    expect((await settled(client, created.json.id)).counts).toEqual({ pending: 0, running: 0, done: 3, failed: 0 });
    expect(await gradings()).toBe(3);
  });

  it("fails no item in an outage mid-batch: what the breaker refuses is sent afresh until calls go through", async () => {
    await upstream.script({ latencyMs: 40 });
    const client = workerClient(bindingsWith(vars));
    const created = await client.post("/v1/batches?concurrency=4", freshItems(60, "outage"));
    for (let done = 0; done < 4; done = (await client.get(`/v1/batches/${created.json.id}`)).json.counts.done) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // Connections reset: more failures in a row than the breaker allows (5), then the upstream is back.
    const outage = 8;
    await upstream.script({ faults: Array.from({ length: outage }, () => ({ kind: "reset" as const })) });
    const done = await settled(client, created.json.id, {}, 60_000);
    expect(done).toMatchObject({ status: "completed", counts: { done: 60, failed: 0 } });
    // Every item graded once, besides the calls the outage took.
    expect(await gradings()).toBe(60 + outage);
  }, 70_000);

  it("pauses a batch whose key's budget is spent, and wakes it by a delayed message", async () => {
    const admin = "queue-admin-key-0123456789";
    const queue = capturingQueue();
    const own = { ...bindingsWith({ ...vars, TICKBOX_ADMIN_KEY: admin }), BATCH_QUEUE: queue };
    const client = workerClient(own);
    const asAdmin = { authorization: `Bearer ${admin}` };
    const key = (await client.post("/v1/keys", { name: "small budget", scopes: ["evaluate"], daily_token_budget: 10 }, asAdmin)).json;
    const asKey = { authorization: `Bearer ${key.key}` };
    const created = await client.post("/v1/batches", freshItems(2, "budget"), asKey);
    const status = async () => (await client.send("GET", `/v1/batches/${created.json.id}`, undefined, asKey)).json;
    expect(created.status).toBe(202);
    await deliver(
      own,
      queue.take().map((m) => delivery(m.body)),
    );
    // No grading fits a budget of 10 tokens: the first item to try pauses the batch.
    await deliver(
      own,
      queue.take().map((m) => delivery(m.body)),
    );
    expect(await gradings()).toBe(0);
    const paused = await status();
    expect(paused).toMatchObject({ status: "paused", counts: { pending: 2, running: 0 } });
    const [wake] = queue.take();
    expect(wake!.body).toEqual({ kind: "wake", batch: created.json.id });
    const untilMidnight = (Date.parse(paused.resumes_at) - Date.now()) / 1000;
    expect(Math.abs(wake!.delaySeconds! - Math.min(untilMidnight, 12 * 3600))).toBeLessThan(5);

    // Delivered before its time (a pause longer than a message's longest delay): it is sent on again.
    await deliver(own, [delivery(wake!.body)]);
    expect(queue.take().map((m) => m.body)).toEqual([wake!.body]);
    expect((await status()).status).toBe("paused");
    // Once the pause has ended, the wake-up resumes the batch: its pending items are sent again.
    await env.DB.prepare("update batches set paused_until = ? where id = ?")
      .bind(Date.now() - 1000, created.json.id)
      .run();
    await deliver(own, [delivery(wake!.body)]);
    expect((await status()).status).toBe("running");
    expect(queue.take().map((m) => m.body)).toEqual([{ kind: "dispatch", batch: created.json.id, from: 0, to: 2 }]);
  });
});
