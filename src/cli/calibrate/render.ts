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
  out.push(`    accuracy ${withInterval(a.accuracy)}   Cohen's κ ${a.kappa ? withInterval(a.kappa) : "undefined (one class only)"}   (95% bootstrap intervals)`);
  out.push(`    calibrated accuracy, held out ${withInterval(a.calibrated_accuracy)}`);
  out.push(`                judge ${pad(c.positive, 4)} judge ${c.negative}`);
  out.push(`    label ${pad(c.positive, 4)} ${num(c.tp, 9)} ${num(c.fn, 8)}`);
  out.push(`    label ${pad(c.negative, 4)} ${num(c.fp, 9)} ${num(c.tn, 8)}`);

  if (j.items) {
    const it = j.items;
    out.push(`  item-level agreement (item_labels): ${pct(it.agreement)} of ${it.n} answers on ${it.lines} lines, κ ${it.kappa ? withInterval(it.kappa) : "undefined"}`);
    out.push(`    YES/YES ${it.confusion.tp}, YES/NO ${it.confusion.fn}, NO/YES ${it.confusion.fp}, NO/NO ${it.confusion.tn} (label/judge)`);
    out.push("       n  agree  question");
    for (const q of it.questions.slice(0, QUESTIONS_SHOWN)) {
      const text = q.question.length > 70 ? `${q.question.slice(0, 69)}…` : q.question;
      out.push(`    ${num(q.n, 4)} ${pct(q.agreement).padStart(6)}  ${text}`);
    }
    if (it.questions.length > QUESTIONS_SHOWN) out.push(`    … ${it.questions.length - QUESTIONS_SHOWN} more questions (--json lists them all)`);
  }

  out.push("  calibration       ECE                       Brier");
  out.push(`    raw             ${pad(withInterval(j.ece.raw), 25)} ${withInterval(j.brier.raw)}`);
  out.push(`    calibrated      ${pad(withInterval(j.ece.calibrated), 25)} ${withInterval(j.brier.calibrated)}   (5-fold held out)`);

  const t = j.threshold;
  if (t) {
    out.push(
      `  certified: λ = ${f3(t.lambda)}: the judge answers ${pct(t.coverage)} of the ${j.n_reaching} items reaching it (${t.n_accepted}), ` +
        `${t.errors} of them against the label; agreement ≥ ${pct(1 - t.alpha)} with probability ≥ ${pct(1 - t.delta)} ` +
        `(Clopper–Pearson bound on its error rate ${f3(t.upper_bound)} ≤ α ${t.alpha})`,
    );
  } else if (j.not_certified) {
    out.push(`  not certified at α = ${report.target.alpha}, δ = ${report.target.delta}: ${j.not_certified.reason}; the judge abstains on everything`);
    const need = j.not_certified.labels_needed;
    if (need) {
      out.push(
        `    with about ${need.labels} labels certification becomes as likely as not, and near certain with twice that: ` +
          `its most confident ${pct(need.coverage)} of items err ${pct(need.error_rate)} now (estimated from the reliability bins)`,
      );
    } else if (k === 0) {
      out.push(`    more labels will not certify it at this α: it errs at α or more at every confidence; a stronger judge or a larger α would`);
    }
  }
  out.push(`  reliability diagram: ${j.diagram}`);
  return out;
}

/** The report as text for a terminal. */
export function reportText(report: CalibrationReport): string {
  const out = [
    `profile ${report.profile_id} "${report.name}" (${report.kind}${report.cascade ? `, cascade of ${report.judges.length}${report.pooled ? ", pooled" : ""}` : ""})`,
    `labels: ${report.used} of ${report.lines} lines used${report.failed.length ? `; ${report.failed.length} could not be graded and are left out (run again to retry them)` : ""}`,
  ];
  for (const failure of report.failed.slice(0, 5)) out.push(`  line ${failure.line}${failure.judge ? ` (${failure.judge})` : ""}: ${failure.problem}`);
  report.judges.forEach((j, k) => out.push("", ...judgeText(report, j, k)));
  if (report.cascade) {
    const agreement = report.agreement === null ? "-" : pct(report.agreement);
    out.push("", `the cascade: answers ${pct(report.coverage)} of the labelled items, agreeing with the labels on ${agreement} of them`);
  }
  return `${out.join("\n")}\n`;
}
