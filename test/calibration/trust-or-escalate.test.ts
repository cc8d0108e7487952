import { describe, expect, it } from "vitest";
import {
  certifyCascade,
  clopperPearsonUpper,
  crossValidatedMetrics,
  expectedCalibrationError,
  fitCalibrator,
  mulberry32,
  pairwiseAgreement,
  pairwiseConfidence,
  permutation,
} from "../../src/calibration/index";
import {
  TOE_JUDGES as JUDGES,
  type ToeJudge,
  type ToeRow,
  onTrustOrEscalate,
  syntheticTrustOrEscalate,
  trustOrEscalatePresent,
  trustOrEscalateRows,
} from "../support/calibration-data";

// The same checks on the real judges' data (when ../shared is there) and on synthetic judges of the
// same shape, whose world is known (test/support/calibration-data.ts), so they run on every checkout.
const sources = [
  {
    title: onTrustOrEscalate("real judge data (Trust or Escalate)"),
    present: trustOrEscalatePresent,
    rows: () => Object.fromEntries(JUDGES.map((j) => [j, trustOrEscalateRows(j)])) as Record<ToeJudge, ToeRow[]>,
  },
  { title: "synthetic judges of the same shape", present: true, rows: () => syntheticTrustOrEscalate() },
];

for (const source of sources) {
  describe.skipIf(!source.present)(source.title, () => {
    const rows = source.present ? source.rows() : (Object.fromEntries(JUDGES.map((j) => [j, []])) as unknown as Record<ToeJudge, ToeRow[]>);
    const y = rows["gpt-4-turbo"].map((r) => (r.preferences.human === 1 ? 1 : 0));
    const probs = (j: ToeJudge): number[] => rows[j].map((r) => r.probs[0] / (r.probs[0] + r.probs[1]));

    it("has the same items in the same order for every judge", () => {
      for (const j of JUDGES) {
        expect(rows[j]).toHaveLength(500);
        expect(rows[j].map((r) => r.instruction)).toEqual(rows["gpt-4-turbo"].map((r) => r.instruction));
        expect(rows[j].map((r) => r.preferences.human)).toEqual(rows["gpt-4-turbo"].map((r) => r.preferences.human));
      }
    });

    it("a symmetric calibrator fitted on 100 labels lowers GPT-4 ECE on the other 400", () => {
      const p = probs("gpt-4-turbo");
      const perm = permutation(mulberry32(5), 500);
      const cal = perm.slice(0, 100);
      const test = perm.slice(100);
      const model = fitCalibrator(
        cal.map((i) => p[i]!),
        cal.map((i) => y[i]!),
        { symmetric: true },
      );
      expect(model.model).toMatchObject({ method: "platt", symmetric: true });
      const raw = expectedCalibrationError(
        test.map((i) => p[i]!),
        test.map((i) => y[i]!),
      );
      const calibrated = expectedCalibrationError(
        test.map((i) => model.apply(p[i]!)),
        test.map((i) => y[i]!),
      );
      expect(raw).toBeGreaterThan(0.1);
      expect(calibrated).toBeLessThan(raw / 1.5);
    });

    it("cross-validation on all labels beats the raw probabilities", () => {
      const cv = crossValidatedMetrics(probs("gpt-4-turbo"), y, "auto", { seed: 1 });
      expect(cv.method).toBe("beta");
      expect(cv.metrics.ece).toBeLessThan(cv.raw_metrics.ece);
      expect(cv.metrics.brier).toBeLessThan(cv.raw_metrics.brier);
    });

    it("certifies the cascade as a whole: its decided items, counted once, meet the bound", () => {
      const judges = JUDGES.map((j) => {
        const p = probs(j);
        return { name: j, confidence: p.map(pairwiseConfidence), agree: p.map((v, i) => pairwiseAgreement(v, y[i]!)) };
      });
      const result = certifyCascade(judges, { alpha: 0.2, delta: 0.1 });
      const c = result.certificate!;
      expect(c.n_items).toBe(500);
      // Recount the decided items independently: each goes to the first judge sure enough of it.
      let decided = 0;
      let errors = 0;
      for (let i = 0; i < 500; i++) {
        const k = judges.findIndex((j) => j.confidence[i]! >= c.lambda);
        if (k < 0) continue;
        decided++;
        if (!judges[k]!.agree[i]) errors++;
      }
      expect([c.n_accepted, c.errors]).toEqual([decided, errors]);
      expect(clopperPearsonUpper(errors, decided, 0.1)).toBeLessThanOrEqual(0.2);
      expect(result.coverage).toBeGreaterThan(0.7);
      expect(result.stages.reduce((s, st) => s + st.n_decided, 0)).toBe(decided);
    });
  });
}

describe.skipIf(!trustOrEscalatePresent)(onTrustOrEscalate("the real GPT-4 judge"), () => {
  it("agrees with people on 78.4% of the pairs, as the paper's data say", () => {
    const rows = trustOrEscalateRows("gpt-4-turbo");
    const agreement = rows.filter((r) => pairwiseAgreement(r.probs[0] / (r.probs[0] + r.probs[1]), r.preferences.human === 1 ? 1 : 0)).length / rows.length;
    expect(agreement).toBeCloseTo(0.784, 3);
  });
});
