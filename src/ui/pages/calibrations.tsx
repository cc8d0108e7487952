import type { Context } from "hono";
import { raw } from "hono/html";
import type { AppEnv } from "../../env";
import type { Api } from "../api";
import { CoverageCurve } from "../charts/coverage-curve";
import { count, percent, queryString, score, when } from "../format";
import { Metric, NextPage, Page } from "../layout";
import type { CalibrationJson, CalibrationSummaryJson } from "../types";

type Stage = CalibrationJson["judges"][number];
type Metrics = Stage["metrics"];
type Interval = Metrics["ece"];

const METRICS: [keyof Metrics, string][] = [
  ["ece", "ECE (10 bins)"],
  ["adaptive_ece", "Adaptive ECE"],
  ["brier", "Brier"],
  ["log_loss", "Log loss"],
  ["auroc", "AUROC"],
  ["accuracy", "Accuracy"],
];

const withInterval = (i: Interval | null) => (i ? `${score(i.estimate)} (${score(i.lo)}–${score(i.hi)})` : "–");

/** The caller's calibration profiles, newest first. */
export async function calibrationsPage(api: Api, c: Context<AppEnv>) {
  const kind = c.req.query("kind") || undefined;
  const cursor = c.req.query("cursor");
  const { calibrations, next_cursor } = await api.get<{ calibrations: CalibrationSummaryJson[]; next_cursor: string | null }>(
    `/v1/calibrations${queryString({ kind, cursor })}`,
  );
  return (
    <Page title="Calibrations">
      {calibrations.length === 0 ? (
        <p class="muted">No calibration profile yet. POST /v1/calibrations fits one from labelled examples.</p>
      ) : (
        <div class="table-wrap">
          <table class="calibrations">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>Judges</th>
                <th>Method</th>
                <th class="num">Labels</th>
                <th>Certified λ</th>
                <th class="num">Coverage</th>
                <th class="num">Agreement</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {calibrations.map((p) => (
                <tr>
                  <td>
                    <a href={`/ui/calibrations/${p.id}`}>{p.name}</a>
                  </td>
                  <td>{p.kind}</td>
                  <td>{p.judges.map((j) => j ?? "unnamed").join(" → ")}</td>
                  <td>{p.method}</td>
                  <td class="num">{count(p.n)}</td>
                  <td>{p.lambdas.map((l) => (l === null ? "none" : score(l))).join(" → ")}</td>
                  <td class="num">{percent(p.coverage)}</td>
                  <td class="num">{percent(p.agreement)}</td>
                  <td>{when(p.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NextPage href={next_cursor ? `/ui/calibrations${queryString({ kind, cursor: next_cursor })}` : null} />
    </Page>
  );
}

function MetricsTable(props: { stage: Stage }) {
  const { stage } = props;
  return (
    <table class="metrics-table">
      <thead>
        <tr>
          <th>Metric ({Math.round(stage.metrics.level * 100)}% bootstrap interval)</th>
          <th class="num">Raw signal</th>
          <th class="num">{stage.calibrated ? "Calibrated, held-out" : "Served (not calibrated)"}</th>
        </tr>
      </thead>
      <tbody>
        {METRICS.map(([key, label]) => (
          <tr>
            <td>{label}</td>
            <td class="num">{withInterval(stage.raw_metrics[key] as Interval | null)}</td>
            <td class="num">{withInterval(stage.metrics[key] as Interval | null)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What λ is compared with, in words: the profile's scale. */
function scaleText(profile: CalibrationJson): string {
  return profile.scale === "raw"
    ? `the raw confidence max(p, 1 − p) of ${profile.kind === "pairwise" ? "p(a better)" : "the signal"} (the map's output is reported, not thresholded)`
    : "the calibrated confidence max(q, 1 − q) of the map's probability q (the raw signal where no map was fitted)";
}

/** The profile's one certified threshold, with the totals of everything it decides (a cascade's, over all its judges). */
function Certificate(props: { profile: CalibrationJson }) {
  const { profile } = props;
  const t = profile.threshold;
  const who = profile.cascade ? "the cascade" : "the judge";
  if (!t) {
    return (
      <p class="notice">
        No threshold passes its test at α = {profile.target.alpha}, δ = {profile.target.delta}: {who} abstains on everything rather than answer without a
        guarantee.
      </p>
    );
  }
  return (
    <dl class="facts threshold">
      <dt>certified λ</dt>
      <dd>
        <strong>{score(t.lambda)}</strong>: {profile.cascade ? "each judge in turn answers" : "the judge answers"} when {scaleText(profile)} is at least this,
        else {profile.cascade ? "passes the item on (the last abstains)" : "abstains"}
      </dd>
      <dt>guarantee</dt>
      <dd>
        agreement with people ≥ {percent(1 - t.alpha)} on what {who} answers, with probability ≥ {percent(1 - t.delta)}
      </dd>
      <dt>{profile.cascade ? "the cascade's coverage" : "coverage"}</dt>
      <dd>
        {percent(t.coverage)} of the {count(t.n_items)} certification items ({count(t.n_accepted)} answered
        {profile.cascade ? " by all its judges together" : ""}, {count(t.errors)} against people; error bound {score(t.upper_bound)} ≤ α)
      </dd>
    </dl>
  );
}

/** One judge's part of a cascade's decisions at the threshold. */
function JudgeShare(props: { profile: CalibrationJson; stage: Stage }) {
  const { profile, stage } = props;
  if (!profile.cascade) return null;
  if (!profile.threshold) return <p class="muted">No threshold is certified, so this judge decides nothing.</p>;
  const errors = stage.n_errors === undefined ? "" : `, ${count(stage.n_errors)} of them against people`;
  return (
    <p class="judge-share">
      At the cascade's λ = {score(profile.threshold.lambda)}: {count(stage.n_reaching)} certification items reach this judge; it decides{" "}
      {count(stage.n_decided)} ({percent(stage.n_reaching ? stage.n_decided / stage.n_reaching : null)}){errors}.
    </p>
  );
}

async function StageSection(props: { api: Api; profile: CalibrationJson; k: number }) {
  const { profile, k } = props;
  const stage = profile.judges[k]!;
  const svg = await props.api.text(`/v1/calibrations/${encodeURIComponent(profile.id)}/reliability.svg?judge=${k}`);
  const heldOut = profile.kind === "pairwise" ? "from 5-fold cross-validation" : "on the labels the map was not fitted on";
  return (
    <section class="stage" data-judge={k}>
      <h2>{profile.cascade ? `Judge ${k + 1}: ${stage.judge ?? "unnamed"}` : `Judge: ${stage.judge ?? "unnamed"}`}</h2>
      <p class="muted">
        {stage.calibrated
          ? `${stage.method} map fitted on ${count(profile.fitted_on)} of ${count(stage.n)} labels; held-out figures ${heldOut}.`
          : `Not calibrated (${count(stage.n)} labels): the raw signal is served.`}
      </p>
      <JudgeShare profile={profile} stage={stage} />
      <h3>Reliability, raw and calibrated</h3>
      <figure class="chart-box">{raw(svg)}</figure>
      <MetricsTable stage={stage} />
      <h3>Coverage and agreement against λ</h3>
      {stage.coverage_curve ? (
        <figure>
          <CoverageCurve curve={stage.coverage_curve} alpha={profile.target.alpha} delta={profile.target.delta} lambda={stage.threshold?.lambda ?? null} />
          <figcaption>
            Over the {count(stage.n_reaching)} certification items that reach this judge, with λ compared with {scaleText(profile)}: raising λ answers fewer
            items and agrees with people more often.
          </figcaption>
        </figure>
      ) : (
        <p class="muted">This profile was fitted before coverage curves were kept; fit it again to see one.</p>
      )}
    </section>
  );
}

/** One profile: per judge, its reliability raw and calibrated, its metrics, its certified threshold and its coverage curve. */
export async function calibrationPage(api: Api, c: Context<AppEnv>) {
  const id = c.req.param("id")!;
  const profile = await api.get<CalibrationJson>(`/v1/calibrations/${encodeURIComponent(id)}`);
  return (
    <Page title={`Calibration ${profile.name}`}>
      <p class="muted">
        {profile.id} · {profile.kind}
        {profile.cascade ? ` cascade of ${profile.judges.length} judges${profile.pooled ? ", pooled" : ""}` : ""}
      </p>
      <div class="metrics">
        <Metric label="Target" note="agreement ≥ 1 − α with probability ≥ 1 − δ">
          α {profile.target.alpha} · δ {profile.target.delta}
        </Metric>
        <Metric label="Coverage" note={profile.cascade ? "of the certification items, by the whole cascade" : "of the certification items answered"}>
          {percent(profile.coverage)}
        </Metric>
        <Metric label="Agreement" note="with people, on answered items">
          {percent(profile.agreement)}
        </Metric>
        <Metric label="Labels">{count(profile.n)}</Metric>
      </div>
      <h2>Certified threshold</h2>
      <Certificate profile={profile} />
      {profile.judges.map((_, k) => (
        <StageSection api={api} profile={profile} k={k} />
      ))}
    </Page>
  );
}
