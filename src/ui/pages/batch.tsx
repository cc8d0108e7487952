import type { Context } from "hono";
import type { AppEnv } from "../../env";
import type { Api } from "../api";
import { Heatmap } from "../charts/heatmap";
import { count, duration, percent, plural, queryString, rate, score, tokens, usd, when } from "../format";
import { Badge, Metric, Page } from "../layout";
import type { BatchItemJson, BatchJson, BatchReportJson } from "../types";
import { Progress } from "./batches";

const PAGE_SIZE = 50;
const OUTCOMES = ["passed", "failed", "errored", "pending"] as const;
const SORTS = [
  ["index", "input order"],
  ["-weighted", "weighted, highest first"],
  ["weighted", "weighted, lowest first"],
  ["-pass_rate", "pass rate, highest first"],
  ["pass_rate", "pass rate, lowest first"],
  ["-soft", "soft, highest first"],
  ["soft", "soft, lowest first"],
  ["custom_id", "custom id"],
] as const;

interface TableQuery {
  outcome?: string | undefined;
  q?: string | undefined;
  sort: string;
  offset: number;
}

const cut = (text: string | null, n: number) => (text === null ? "" : text.length > n ? `${text.slice(0, n - 1)}…` : text);

function Summary(props: { batch: BatchJson; report: BatchReportJson }) {
  const { batch, report } = props;
  return (
    <div class="metrics" data-refresh="summary">
      <Metric label="Progress">
        <Progress batch={batch} />
      </Metric>
      <Metric label="Pass rate" field="summary.pass_rate" format="percent" note="of graded items">
        {percent(batch.summary.pass_rate)}
      </Metric>
      <Metric label="Mean weighted" field="summary.mean_weighted" format="score">
        {score(batch.summary.mean_weighted)}
      </Metric>
      <Metric label="Mean pass rate" note="share of YES per item">
        {score(report.mean_scores.pass_rate)}
      </Metric>
      <Metric label="Mean soft" note={`${plural(report.mean_scores.soft_items, "item")} with p(YES)`}>
        {score(report.mean_scores.soft)}
      </Metric>
      <Metric label="Errored" field="counts.failed" format="count">
        {count(batch.counts.failed)}
      </Metric>
      <Metric label="Cache hits" field="summary.cache_hits" format="count">
        {count(batch.summary.cache_hits)}
      </Metric>
      <Metric label="Throughput" field="throughput" format="rate">
        {rate(batch.throughput)}
      </Metric>
      <Metric label="ETA" field="eta_seconds" format="duration">
        {duration(batch.eta_seconds)}
      </Metric>
      <Metric label="Upstream tokens" field="summary.usage" format="tokens" note={plural(batch.summary.usage.upstream_calls, "call")}>
        {tokens(batch.summary.usage)}
      </Metric>
      <Metric label="Estimated cost" note="at TICKBOX_PRICES">
        {usd(report.cost_usd)}
      </Metric>
    </div>
  );
}

function Criteria(props: { report: BatchReportJson; items: BatchItemJson[] }) {
  const { checklist } = props.report;
  if (!checklist) {
    return (
      <p class="notice">
        The graded items use different checklists, so there is no items × questions heatmap: it needs a batch whose items share one checklist (a{" "}
        <code>checklist_id</code>, or the same instruction and items).
      </p>
    );
  }
  if (checklist.graded === 0) return <p class="muted">No item is graded yet.</p>;
  const byFailures = [...checklist.items].sort((a, b) => b.no / Math.max(1, b.yes + b.no) - a.no / Math.max(1, a.yes + a.no));
  const rows = props.items.map((item) => ({
    label: item.custom_id ?? `#${item.index}`,
    href: item.evaluation_id ? `/ui/evaluations/${item.evaluation_id}` : null,
    verdicts: item.verdicts,
  }));
  return (
    <>
      <figure>
        <Heatmap questions={checklist.items} rows={rows} graded={checklist.graded} />
        <figcaption>
          Rows: the items of the table below ({rows.length}). Columns: the checklist's questions; the bars above them count NO over all {checklist.graded}{" "}
          graded items.
        </figcaption>
      </figure>
      <h3>Questions, most failed first</h3>
      <div class="table-wrap">
        <table class="criteria">
          <thead>
            <tr>
              <th>Question</th>
              <th class="num">Weight</th>
              <th>Must pass</th>
              <th class="num">NO</th>
              <th class="num">Share NO</th>
            </tr>
          </thead>
          <tbody>
            {byFailures.map((item) => (
              <tr>
                <td class="text">
                  <strong>{item.id}</strong> {item.question}
                </td>
                <td class="num">{item.weight}</td>
                <td>{item.must_pass ? "yes" : ""}</td>
                <td class="num">{count(item.no)}</td>
                <td class="num">{percent(item.no / Math.max(1, item.yes + item.no))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Filters(props: { id: string; query: TableQuery }) {
  const { query } = props;
  return (
    <form class="filters" method="get" action={`/ui/batches/${props.id}`}>
      <label>
        Outcome
        <select name="outcome">
          <option value="">any</option>
          {OUTCOMES.map((o) => (
            <option value={o} selected={o === query.outcome}>
              {o}
            </option>
          ))}
        </select>
      </label>
      <label>
        Search custom id and text
        <input type="search" name="q" value={query.q ?? ""} placeholder="e.g. haiku" />
      </label>
      <label>
        Sort by
        <select name="sort">
          {SORTS.map(([value, label]) => (
            <option value={value} selected={value === query.sort}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}

function ResultsTable(props: { id: string; items: BatchItemJson[]; matching: number; query: TableQuery }) {
  const { id, items, matching, query } = props;
  const link = (changes: Partial<TableQuery>) => `/ui/batches/${id}${queryString({ ...query, offset: 0, ...changes })}`;
  // A column header sorts by it; a second click reverses the order.
  const sortLink = (key: string) => link({ sort: query.sort === `-${key}` ? key : `-${key}` });
  const first = matching === 0 ? 0 : query.offset + 1;
  const last = query.offset + items.length;
  return (
    <>
      <p class="muted results-count">{matching === 0 ? "No item matches." : `Items ${count(first)}–${count(last)} of ${count(matching)} matching.`}</p>
      {items.length > 0 ? (
        <div class="table-wrap">
          <table class="results">
            <thead>
              <tr>
                <th class="num">
                  <a href={link({ sort: query.sort === "index" ? "-index" : "index" })}>#</a>
                </th>
                <th>
                  <a href={link({ sort: query.sort === "custom_id" ? "-custom_id" : "custom_id" })}>Custom id</a>
                </th>
                <th>Outcome</th>
                <th class="num">
                  <a href={sortLink("pass_rate")}>Pass rate</a>
                </th>
                <th class="num">
                  <a href={sortLink("weighted")}>Weighted</a>
                </th>
                <th class="num">
                  <a href={sortLink("soft")}>Soft</a>
                </th>
                <th>Instruction</th>
                <th>Response</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr data-outcome={item.outcome}>
                  <td class="num">{item.index}</td>
                  <td>
                    {item.evaluation_id ? <a href={`/ui/evaluations/${item.evaluation_id}`}>{item.custom_id ?? "(none)"}</a> : (item.custom_id ?? "(none)")}
                  </td>
                  <td title={item.problem ? `${item.problem.code}: ${item.problem.detail}` : undefined}>
                    <Badge value={item.outcome} />
                    {item.problem ? <div class="muted">{item.problem.code}</div> : null}
                  </td>
                  <td class="num">{score(item.scores?.pass_rate)}</td>
                  <td class="num">{score(item.scores?.weighted)}</td>
                  <td class="num">{score(item.scores?.soft)}</td>
                  <td class="text" title={item.instruction_preview ?? ""}>
                    {cut(item.instruction_preview, 90)}
                  </td>
                  <td class="text" title={item.response_preview ?? ""}>
                    {cut(item.response_preview, 90)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p class="pager">
        {query.offset > 0 ? <a href={link({ offset: Math.max(0, query.offset - PAGE_SIZE) })}>← Previous</a> : null}
        {last < matching ? (
          <a href={link({ offset: query.offset + PAGE_SIZE })} rel="next">
            Next →
          </a>
        ) : null}
      </p>
    </>
  );
}

/**
 * One batch: summary, criteria heatmap, a table of its items to sort and filter, and its exports.
 * While it runs, its event stream moves the figures it carries and the parts marked data-refresh
 * are read again (see assets/app-js.ts), so the whole page follows the batch.
 */
export async function batchPage(api: Api, c: Context<AppEnv>) {
  const id = c.req.param("id")!;
  const query: TableQuery = {
    outcome: c.req.query("outcome") || undefined,
    q: c.req.query("q") || undefined,
    sort: c.req.query("sort") || "index",
    offset: Math.max(0, Number(c.req.query("offset")) || 0),
  };
  const base = `/v1/batches/${encodeURIComponent(id)}`;
  const [batch, report, table] = await Promise.all([
    api.get<BatchJson>(base),
    api.get<BatchReportJson>(`${base}/report`),
    api.get<{ items: BatchItemJson[]; matching: number }>(`${base}/items${queryString({ ...query, limit: PAGE_SIZE })}`),
  ]);
  return (
    <Page title={`Batch ${id}`}>
      <div data-batch={batch.id} data-status={batch.status}>
        <p>
          <Badge value={batch.status} field="status" /> <span class="muted">created {when(batch.created_at)}</span>
          {batch.finished_at ? <span class="muted">, finished {when(batch.finished_at)}</span> : null}
          <span class="muted">
            {" "}
            · {count(batch.total)} items · concurrency {batch.concurrency}
          </span>
        </p>
        <div class="actions">
          <a class="button" href={`${base}/results?format=csv`} data-download={`${batch.id}.csv`}>
            Download CSV
          </a>
          <a class="button secondary" href={`${base}/results`} data-download={`${batch.id}.jsonl`}>
            Download JSON Lines
          </a>
        </div>
        <Summary batch={batch} report={report} />
      </div>
      <h2>Which questions fail</h2>
      <div data-refresh="criteria">
        <Criteria report={report} items={table.items} />
      </div>
      <h2>Results</h2>
      <Filters id={id} query={query} />
      <div data-refresh="results">
        <ResultsTable id={id} items={table.items} matching={table.matching} query={query} />
      </div>
    </Page>
  );
}
