import type { Context } from "hono";
import type { AppEnv } from "../../env";
import type { Api } from "../api";
import { count, queryString, rate, score, percent, when } from "../format";
import { Badge, NextPage, Page } from "../layout";
import type { BatchJson } from "../types";

const STATUSES = ["running", "completed", "cancelled"] as const;

/** The progress cell of a batch: a bar and "finished / total", both kept live by the page's script. */
export function Progress(props: { batch: BatchJson }) {
  const { batch } = props;
  return (
    <>
      <progress data-field="progress" max={batch.total} value={batch.summary.items_finished} />
      <span class="muted">
        <span data-field="summary.items_finished" data-format="count">
          {count(batch.summary.items_finished)}
        </span>{" "}
        / {count(batch.total)}
      </span>
    </>
  );
}

function BatchRow(props: { batch: BatchJson }) {
  const b = props.batch;
  return (
    <tr data-batch={b.id} data-status={b.status}>
      <td>
        <a href={`/ui/batches/${b.id}`}>{b.id}</a>
      </td>
      <td>
        <Badge value={b.status} field="status" />
      </td>
      <td class="progress-cell">
        <Progress batch={b} />
      </td>
      <td class="num" data-field="counts.failed" data-format="count">
        {count(b.counts.failed)}
      </td>
      <td class="num" data-field="summary.pass_rate" data-format="percent">
        {percent(b.summary.pass_rate)}
      </td>
      <td class="num" data-field="summary.mean_weighted" data-format="score">
        {score(b.summary.mean_weighted)}
      </td>
      <td class="num" data-field="throughput" data-format="rate">
        {rate(b.throughput)}
      </td>
      <td>{when(b.created_at)}</td>
    </tr>
  );
}

/** Every batch of the caller's tenant, newest first; running ones move live. */
export async function batchesPage(api: Api, c: Context<AppEnv>) {
  const status = c.req.query("status");
  const cursor = c.req.query("cursor");
  const { batches, next_cursor } = await api.get<{ batches: BatchJson[]; next_cursor: string | null }>(`/v1/batches${queryString({ status, cursor })}`);
  return (
    <Page title="Batches">
      <form class="filters" method="get" action="/ui/batches">
        <label>
          Status
          <select name="status">
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option value={s} selected={s === status}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      {batches.length === 0 ? (
        <p class="muted">No batches{status ? ` ${status}` : ""} yet. POST /v1/batches starts one.</p>
      ) : (
        <div class="table-wrap">
          <table class="batches">
            <thead>
              <tr>
                <th>Batch</th>
                <th>Status</th>
                <th>Progress</th>
                <th class="num">Errored</th>
                <th class="num">Pass rate</th>
                <th class="num">Mean weighted</th>
                <th class="num">Throughput</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {batches.map((b) => (
                <BatchRow batch={b} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NextPage href={next_cursor ? `/ui/batches${queryString({ status, cursor: next_cursor })}` : null} />
    </Page>
  );
}
