import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { QueryDate } from "../../routes/schemas";
import type { Api } from "../api";
import { DailyBars, type Series, daysBetween } from "../charts/usage-chart";
import { count, usd } from "../format";
import { Metric, Page } from "../layout";
import type { DayUsageJson } from "../types";
import { noUsage, type Usage } from "../../llm/usage";

const DEFAULT_DAYS = 30;
/** A `from` or `to` the API takes (the query parameters' one date rule), else none. */
const dayIn = (value: string | undefined) => (QueryDate.safeParse(value).success ? value : undefined);

interface DayTotals extends Usage {
  requests: number;
  cache_hits: number;
  /** Null when a model used that day has no price. */
  cost_usd: number | null;
}

/** Sums the keys' rows of each day: the API gives one row per key and day. */
function byDay(rows: DayUsageJson[], days: string[]): DayTotals[] {
  const totals = new Map(days.map((d) => [d, { requests: 0, ...noUsage(), cache_hits: 0, cost_usd: 0 } as DayTotals]));
  for (const row of rows) {
    const t = totals.get(row.day);
    if (!t) continue;
    t.requests += row.requests;
    t.upstream_calls += row.upstream_calls;
    t.prompt_tokens += row.prompt_tokens;
    t.completion_tokens += row.completion_tokens;
    t.cache_hits += row.cache_hits;
    t.cost_usd = t.cost_usd === null || row.cost_usd === null ? null : t.cost_usd + row.cost_usd;
  }
  return days.map((d) => totals.get(d)!);
}

/** Requests, upstream calls, tokens, cache hits and estimated cost per UTC day, as charts. */
export async function usagePage(api: Api, c: Context<AppEnv>) {
  const today = new Date().toISOString().slice(0, 10);
  const to = dayIn(c.req.query("to")) ?? today;
  const from = dayIn(c.req.query("from")) ?? new Date(Date.parse(to) - (DEFAULT_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  const { usage } = await api.get<{ usage: DayUsageJson[] }>(`/v1/usage?from=${from}&to=${to}`);
  const days = daysBetween(from, to);
  const totals = byDay(usage, days);
  const sum = (pick: (t: DayTotals) => number) => totals.reduce((s, t) => s + pick(t), 0);
  const unpriced = totals.some((t) => t.cost_usd === null);
  const one = (name: string, color: string, pick: (t: DayTotals) => number): Series[] => [{ name, color, values: totals.map(pick) }];
  const charts = [
    { title: "Requests", series: one("requests", "#4c78a8", (t) => t.requests), format: count },
    { title: "Upstream calls", series: one("upstream calls", "#72b7b2", (t) => t.upstream_calls), format: count },
    {
      title: "Upstream tokens",
      series: [
        { name: "prompt", color: "#4c78a8", values: totals.map((t) => t.prompt_tokens) },
        { name: "completion", color: "#f58518", values: totals.map((t) => t.completion_tokens) },
      ],
      format: count,
    },
    { title: "Cache hits", series: one("cache hits", "#54a24b", (t) => t.cache_hits), format: count },
    { title: "Estimated cost (USD)", series: one("cost", "#b279a2", (t) => t.cost_usd ?? 0), format: usd },
  ];
  return (
    <Page title="Usage">
      <form class="filters" method="get" action="/ui/usage">
        <label>
          From
          <input type="date" name="from" value={from} />
        </label>
        <label>
          To
          <input type="date" name="to" value={to} />
        </label>
        <button type="submit">Show</button>
      </form>
      <p class="muted">
        {from} to {to}, UTC days; {usage.length === 0 ? "nothing was used." : `${new Set(usage.map((u) => u.key_id)).size} key(s).`} A key sees its own usage;
        the admin key sees every key's.
      </p>
      <div class="metrics">
        <Metric label="Requests">{count(sum((t) => t.requests))}</Metric>
        <Metric label="Upstream calls">{count(sum((t) => t.upstream_calls))}</Metric>
        <Metric label="Tokens">{count(sum((t) => t.prompt_tokens + t.completion_tokens))}</Metric>
        <Metric label="Cache hits">{count(sum((t) => t.cache_hits))}</Metric>
        <Metric label="Estimated cost" note={unpriced ? "a model has no price in TICKBOX_PRICES" : "from TICKBOX_PRICES"}>
          {unpriced ? "no price" : usd(sum((t) => t.cost_usd ?? 0))}
        </Metric>
      </div>
      <div class="charts">
        {charts.map((chart) => (
          <figure class="usage-chart">
            <DailyBars days={days} series={chart.series} format={chart.format} title={chart.title} />
            <figcaption>{chart.title} per day</figcaption>
          </figure>
        ))}
      </div>
      {usage.length > 0 ? (
        <>
          <h2>By key and day</h2>
          <div class="table-wrap">
            <table class="usage">
              <thead>
                <tr>
                  <th>Day</th>
                  <th>Key</th>
                  <th class="num">Requests</th>
                  <th class="num">Upstream calls</th>
                  <th class="num">Prompt tokens</th>
                  <th class="num">Completion tokens</th>
                  <th class="num">Cache hits</th>
                  <th class="num">Cost</th>
                </tr>
              </thead>
              <tbody>
                {usage.map((u) => (
                  <tr>
                    <td>{u.day}</td>
                    <td>{u.key_id}</td>
                    <td class="num">{count(u.requests)}</td>
                    <td class="num">{count(u.upstream_calls)}</td>
                    <td class="num">{count(u.prompt_tokens)}</td>
                    <td class="num">{count(u.completion_tokens)}</td>
                    <td class="num">{count(u.cache_hits)}</td>
                    <td class="num">{usd(u.cost_usd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </Page>
  );
}
