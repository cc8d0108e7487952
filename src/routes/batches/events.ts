import { createRoute } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { Access } from "../../auth/access";
import type { App } from "../../env";
import { Batch, BatchId, batchByIdErrors, batchesOf } from "./shapes";

// At most one progress event per interval however fast items finish.
const MIN_INTERVAL_MS = 250;
// A batch another process works on sends this one no news: its state is read again this often.
const POLL_MS = 1_000;

export const route = createRoute({
  method: "get",
  path: "/v1/batches/{id}/events",
  tags: ["batches"],
  summary: "Progress as server-sent events",
  description:
    "A `progress` event (the batch, as GET /v1/batches/{id} gives it) at once and then as items finish, at most four a second (and at least one a second, whichever process works on the batch); a final `end` event as soon as the batch is completed, cancelled or paused, after which the stream closes.",
  request: { params: BatchId },
  responses: {
    200: { description: "An event stream; each event's data is a Batch.", content: { "text/event-stream": { schema: Batch } } },
    ...batchByIdErrors,
  },
});

export const access: Access = { auth: "key", scopes: ["evaluate"], objects: { path: "batch" }, spends: false };

export function register(app: App) {
  return app.openapi(route, async (c) => {
    const batches = batchesOf(c);
    const { id } = c.req.valid("param");
    await batches.get(id);
    return streamSSE(c, async (stream) => {
      let wake: (() => void) | undefined;
      let cutPause: (() => void) | undefined;
      let changed = true;
      const unsubscribe = batches.subscribe(id, (ended) => {
        changed = true;
        wake?.();
        // The end is told at once, not after the pause between progress events.
        if (ended) cutPause?.();
      });
      stream.onAbort(() => {
        wake?.();
        cutPause?.();
      });
      try {
        while (!stream.aborted) {
          if (!changed) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), stream.sleep(POLL_MS)]);
          changed = false;
          const view = await batches.view(id);
          const done = view.status !== "running";
          await stream.writeSSE({ event: done ? "end" : "progress", data: JSON.stringify(view) });
          if (done) break;
          const pause = new Promise<void>((resolve) => (cutPause = resolve));
          await Promise.race([stream.sleep(MIN_INTERVAL_MS), pause]);
        }
      } finally {
        unsubscribe();
      }
    }) as never;
  });
}
