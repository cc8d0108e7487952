import type { CalibrationReport, JudgeReport } from "./report";
import type { Interval } from "./stats";

const QUESTIONS_SHOWN = 15;

const f3 = (x: number) => x.toFixed(3);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const withInterval = (i: Interval) => `${f3(i.estimate)} [${f3(i.lo)}, ${f3(i.hi)}]`;
const pad = (s: string, n: number) => s.padEnd(n);
const num = (x: number, n: number) => String(x).padStart(n);

function judgeText(report: CalibrationReport, j: JudgeReport, k: number): string[] {
  const out: string[] = [];
  const title = report.judges.length > 1 ? `judge ${k + 1} of ${report.judges.length}: ${j.model ?? "(unnamed)"}` : `judge ${j.model ?? "(unnamed)"}`;
  const map = j.calibrated ? `${j.method} map fitted on ${j.n} labels` : `no map fitted (${j.n} labels): the raw signal is served, marked uncalibrated`;
  out.push(`${title}: ${map}`);

  const a = j.agreement;
  const c = a.confusion;
  out.push(`  agreement with the labels (the judge says ${a.verdict}), ${a.n} items`);
  out.push(
    `    accuracy ${withInterval(a.accuracy)}   Cohen's κ ${a.kappa ? withInterval(a.kappa) : "undefined (one class only)"}   (95% bootstrap intervals)`,
  );
  out.push(`    calibrated accuracy, held out ${withInterval(a.calibrated_accuracy)}`);
  out.push(`                judge ${pad(c.positive, 4)} judge ${c.negative}`);
  out.push(`    label ${pad(c.positive, 4)} ${num(c.tp, 9)} ${num(c.fn, 8)}`);
  out.push(`    label ${pad(c.negative, 4)} ${num(c.fp, 9)} ${num(c.tn, 8)}`);

  if (j.items) {
    const it = j.items;
    out.push(
      `  item-level agreement (item_labels): ${pct(it.agreement)} of ${it.n} answers on ${it.lines} lines, κ ${it.kappa ? withInterval(it.kappa) : "undefined"}`,
    );
    out.push(`    YES/YES ${it.confusion.tp}, YES/NO ${it.confusion.fn}, NO/YES ${it.confusion.fp}, NO/NO ${it.confusion.tn} (label/judge)`);
    out.push("       n  agree  question");
    for (const q of it.questions.slice(0, QUESTIONS_SHOWN)) {
      const text = q.question.length > 70 ? `${q.question.slice(0, 69)}…` : q.question;
      out.push(`    ${num(q.n, 4)} ${pct(q.agreement).padStart(6)}  ${text}`);
    }
    if (it.questions.length > QUESTIONS_SHOWN) out.push(`    … ${it.questions.length - QUESTIONS_SHOWN} more questions (--json lists them all)`);
  }

  const heldOut = report.kind === "pairwise" ? "5-fold cross-validated" : "on the labels the map was not fitted on";
  out.push("  calibration       ECE                       Brier");
  out.push(`    raw             ${pad(withInterval(j.ece.raw), 25)} ${withInterval(j.brier.raw)}`);
  out.push(
    `    calibrated      ${pad(withInterval(j.ece.calibrated), 25)} ${withInterval(j.brier.calibrated)}   (${j.calibrated ? heldOut : "no map: the raw signal"})`,
  );

  if (report.cascade && report.threshold) {
    out.push(
      `  at the cascade's λ = ${f3(report.threshold.lambda)}: ${j.n_reaching} certification items reach this judge; ` +
        `it decides ${j.n_decided} of them (${pct(j.n_reaching ? j.n_decided / j.n_reaching : 0)}), ${j.n_errors} against the label`,
    );
  }
  out.push(`  reliability diagram: ${j.diagram}`);
  return out;
}

/** What λ is compared with, in words. */
function scaleText(report: CalibrationReport): string {
  return report.scale === "raw"
    ? `the raw confidence max(p, 1 − p) of ${report.kind === "pairwise" ? "p(a better)" : "the signal"}`
    : "the calibrated confidence max(q, 1 − q) of the map's probability q (the raw signal where no map was fitted)";
}

function certificationText(report: CalibrationReport): string[] {
  const who = report.cascade ? "the cascade" : "the judge";
  const t = report.threshold;
  if (t) {
    return [
      `certified${report.cascade ? " for the cascade as a whole" : ""}: λ = ${f3(t.lambda)} on ${scaleText(report)}`,
      `  ${who} answers ${pct(t.coverage)} of the ${t.n_items} certification items (${t.n_accepted}), ${t.errors} of them against the label; ` +
        `agreement ≥ ${pct(1 - t.alpha)} with probability ≥ ${pct(1 - t.delta)} (Clopper–Pearson bound on the error rate ${f3(t.upper_bound)} ≤ α ${t.alpha})`,
    ];
  }
  const none = report.not_certified;
  if (!none) return [];
  const need = none.labels_needed;
  const out = [
    `not certified at α = ${report.target.alpha}, δ = ${report.target.delta} on ${scaleText(report)}: ${none.reason}; ${who} abstains on everything`,
    `  on resamples of these ${need.now.labels} labels the service's certification passes ${pct(need.now.certified)} of the time`,
  ];
  if (need.as_likely_as_not === null) {
    const last = need.tried.at(-1)!;
    out.push(
      `  even ${last.labels} labels certify only ${pct(last.certified)} of the time: more labels will hardly help at this α; a stronger judge or a larger α would`,
    );
  } else {
    const sure =
      need.near_certain === null
        ? `, but not nine times in ten at any size up to ${need.tried.at(-1)!.labels}`
        : ` and nine times in ten at about ${need.near_certain}`;
    out.push(`  with labels like these it passes as often as not at about ${need.as_likely_as_not}${sure}`);
  }
  out.push(`  (the service's rule run on ${need.resamples} resamples of your labels at each size; an estimate, rough when the labels are few)`);
  return out;
}

/** The report as text for a terminal. */
export function reportText(report: CalibrationReport): string {
  const out = [
    `profile ${report.profile_id} "${report.name}" (${report.kind}${report.cascade ? `, cascade of ${report.judges.length}${report.pooled ? ", pooled" : ""}` : ""})`,
    `labels: ${report.used} of ${report.lines} lines used${report.failed.length ? `; ${report.failed.length} could not be graded and are left out (run again to retry them)` : ""}`,
  ];
  for (const failure of report.failed.slice(0, 5)) out.push(`  line ${failure.line}${failure.judge ? ` (${failure.judge})` : ""}: ${failure.problem}`);
  report.judges.forEach((j, k) => {
    out.push("", ...judgeText(report, j, k));
  });
  out.push("", ...certificationText(report));
  return `${out.join("\n")}\n`;
}
