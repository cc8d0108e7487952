import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { type Api, ApiProblem } from "../api";
import { ProbabilityBar } from "../charts/bars";
import { percent, score, when } from "../format";
import { Badge, Metric, Page } from "../layout";
import type { CalibrationSummaryJson, ConfidenceJson, EvaluationJson } from "../types";

function ChecklistResults(props: { evaluation: EvaluationJson }) {
  const { evaluation } = props;
  return (
    <div class="table-wrap">
      <table class="verdicts">
        <thead>
          <tr>
            <th>#</th>
            <th>Question</th>
            <th class="num">Weight</th>
            <th>Must pass</th>
            <th>Verdict</th>
            <th>p(YES)</th>
            <th>Rationale</th>
          </tr>
        </thead>
        <tbody>
          {evaluation.checklist.items.map((item, k) => {
            const result = evaluation.results[k];
            return (
              <tr data-verdict={result?.verdict}>
                <td>{item.id}</td>
                <td class="text">{item.question}</td>
                <td class="num">{item.weight}</td>
                <td>{item.must_pass ? <strong>must pass</strong> : ""}</td>
                <td>{result ? <Badge value={result.verdict} /> : "–"}</td>
                <td>
                  <ProbabilityBar p={result?.p_yes ?? null} />
                </td>
                <td class="text">{result?.rationale ?? ""}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Profiles that can speak to this evaluation without grading anything: pointwise, one judge (a
 * cascade may grade with its later judges, which a page view must not pay for), fitted on this
 * judge model or on an unnamed one.
 */
async function usableProfiles(api: Api, model: string): Promise<CalibrationSummaryJson[] | ApiProblem> {
  try {
    const { calibrations } = await api.get<{ calibrations: CalibrationSummaryJson[] }>("/v1/calibrations?kind=pointwise&limit=100");
    return calibrations.filter((p) => p.judges.length === 1 && (p.judges[0] === null || p.judges[0] === model));
  } catch (error) {
    if (error instanceof ApiProblem) return error;
    throw error;
  }
}

function ConfidenceBlock(props: {
  evaluationId: string;
  profiles: CalibrationSummaryJson[];
  chosen: string | null;
  confidence: ConfidenceJson | ApiProblem | null;
}) {
  const { confidence } = props;
  return (
    <section class="stage confidence">
      <form class="filters" method="get" action={`/ui/evaluations/${props.evaluationId}`}>
        <label>
          Calibration profile
          <select name="calibration">
            <option value="none">none</option>
            {props.profiles.map((p) => (
              <option value={p.id} selected={p.id === props.chosen}>
                {`${p.name} (${p.method}, n = ${p.n})`}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
      </form>
      {confidence instanceof ApiProblem ? (
        <p class="problem">{confidence.detail}</p>
      ) : confidence ? (
        <>
          <p>
            {confidence.abstain ? (
              <>
                <Badge value="pending" /> The judge <strong>abstains</strong> ({confidence.reason.replaceAll("_", " ")}): escalate this item to a person or a
                stronger judge.
              </>
            ) : (
              <>
                <Badge value={confidence.verdict === "pass" ? "passed" : "failed"} /> Calibrated verdict: <strong>{confidence.verdict}</strong> (people would
                accept the response with probability {score(confidence.p_calibrated)}), decided with confidence {score(confidence.confidence)}.
              </>
            )}
          </p>
          <dl class="facts">
            <dt>p raw</dt>
            <dd>{score(confidence.p_raw)}</dd>
            <dt>p calibrated</dt>
            <dd>
              {score(confidence.p_calibrated)}
              {confidence.calibrated ? "" : " (not calibrated: too few labels)"}
            </dd>
            <dt>certified threshold λ</dt>
            <dd>{confidence.threshold === null ? "none certified" : score(confidence.threshold)}</dd>
            <dt>guarantee</dt>
            <dd>
              {confidence.guarantee
                ? `agrees with people on ≥ ${percent(confidence.guarantee.agreement_at_least)} of what it decides, with probability ≥ ${percent(confidence.guarantee.probability)}`
                : "none"}
            </dd>
          </dl>
        </>
      ) : (
        <p class="muted">
          {props.profiles.length
            ? "Pick a profile to see the calibrated confidence."
            : "No single-judge pointwise profile for this judge model yet: POST /v1/calibrations fits one."}
        </p>
      )}
    </section>
  );
}

/** One evaluation: what was graded, each checklist item's verdict, the scores and the confidence. */
export async function evaluationPage(api: Api, c: Context<AppEnv>) {
  const id = c.req.param("id")!;
  const evaluation = await api.get<EvaluationJson>(`/v1/evaluations/${encodeURIComponent(id)}`);
  const profiles = await usableProfiles(api, evaluation.model);
  const asked = c.req.query("calibration");
  const list = profiles instanceof ApiProblem ? [] : profiles;
  const chosen = asked === "none" ? null : ((list.find((p) => p.id === asked) ?? list[0])?.id ?? null);
  let confidence: ConfidenceJson | ApiProblem | null = profiles instanceof ApiProblem ? profiles : null;
  if (chosen) {
    try {
      confidence = await api.post<ConfidenceJson>("/v1/confidence", { calibration_id: chosen, evaluation_id: evaluation.id });
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      confidence = error;
    }
  }
  const { scores } = evaluation;
  return (
    <Page title={`Evaluation ${evaluation.id}`}>
      <p>
        <Badge value={evaluation.passed ? "passed" : "failed"} />{" "}
        <span class="muted">
          graded {when(evaluation.created_at)} by {evaluation.model}
        </span>
      </p>
      <div class="metrics">
        <Metric label="Weighted" note={`pass threshold ${score(evaluation.pass_threshold)}`}>
          {score(scores.weighted)}
        </Metric>
        <Metric label="Pass rate">{score(scores.pass_rate)}</Metric>
        <Metric label="Soft" note={evaluation.signal === "logprobs" ? "from p(YES)" : "no logprobs"}>
          {score(scores.soft)}
        </Metric>
        <Metric label="Signal">{evaluation.signal}</Metric>
        <Metric label="Prompt version">{evaluation.prompt_version}</Metric>
      </div>
      <div class="columns">
        <section>
          <h2>Instruction</h2>
          <pre class="text instruction">{evaluation.instruction}</pre>
          {evaluation.context ? (
            <>
              <h3>Context</h3>
              <pre class="text">{evaluation.context}</pre>
            </>
          ) : null}
        </section>
        <section>
          <h2>Response</h2>
          <pre class="text response">{evaluation.response}</pre>
        </section>
      </div>
      <h2>Checklist</h2>
      <p class="muted">
        Checklist <a href={`/ui/checklists/${evaluation.checklist.id}`}>{evaluation.checklist.id}</a>
      </p>
      <ChecklistResults evaluation={evaluation} />
      <h2>Confidence</h2>
      <ConfidenceBlock evaluationId={evaluation.id} profiles={list} chosen={chosen} confidence={confidence} />
    </Page>
  );
}
