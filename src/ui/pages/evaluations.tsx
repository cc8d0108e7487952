import type { Context } from "hono";
import type { AppEnv } from "../../env";
import type { Api } from "../api";
import { queryString, score, when } from "../format";
import { Badge, NextPage, Page } from "../layout";
import type { EvaluationSummaryJson } from "../types";

const FILTERS = ["checklist_id", "model", "passed", "created_after", "created_before"] as const;

/** The caller's evaluations, newest first, filtered by checklist, outcome, model and date. */
export async function evaluationsPage(api: Api, c: Context<AppEnv>) {
  const filters = Object.fromEntries(FILTERS.map((k) => [k, c.req.query(k) || undefined])) as Record<(typeof FILTERS)[number], string | undefined>;
  const cursor = c.req.query("cursor");
  const { evaluations, next_cursor } = await api.get<{ evaluations: EvaluationSummaryJson[]; next_cursor: string | null }>(
    `/v1/evaluations${queryString({ ...filters, cursor })}`,
  );
  return (
    <Page title="Evaluations">
      <form class="filters" method="get" action="/ui/evaluations">
        <label>
          Outcome
          <select name="passed">
            <option value="">any</option>
            <option value="true" selected={filters.passed === "true"}>
              passed
            </option>
            <option value="false" selected={filters.passed === "false"}>
              failed
            </option>
          </select>
        </label>
        <label>
          Checklist id
          <input name="checklist_id" value={filters.checklist_id ?? ""} placeholder="cl_…" />
        </label>
        <label>
          Judge model
          <input name="model" value={filters.model ?? ""} />
        </label>
        <label>
          Created from
          <input type="date" name="created_after" value={filters.created_after ?? ""} />
        </label>
        <label>
          Created before
          <input type="date" name="created_before" value={filters.created_before ?? ""} />
        </label>
        <button type="submit">Show</button>
      </form>
      {evaluations.length === 0 ? (
        <p class="muted">{next_cursor ? "None on this page; older ones may match." : "No evaluation matches."}</p>
      ) : (
        <div class="table-wrap">
          <table class="evaluations">
            <thead>
              <tr>
                <th>Created</th>
                <th>Outcome</th>
                <th class="num">Weighted</th>
                <th class="num">Pass rate</th>
                <th class="num">Soft</th>
                <th>Judge</th>
                <th>Instruction</th>
              </tr>
            </thead>
            <tbody>
              {evaluations.map((e) => (
                <tr>
                  <td>{when(e.created_at)}</td>
                  <td>
                    <Badge value={e.passed ? "passed" : "failed"} />
                  </td>
                  <td class="num">{score(e.scores.weighted)}</td>
                  <td class="num">{score(e.scores.pass_rate)}</td>
                  <td class="num">{score(e.scores.soft)}</td>
                  <td>{e.model}</td>
                  <td class="text">
                    <a href={`/ui/evaluations/${e.id}`}>{e.instruction_preview}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NextPage href={next_cursor ? `/ui/evaluations${queryString({ ...filters, cursor: next_cursor })}` : null} />
    </Page>
  );
}
