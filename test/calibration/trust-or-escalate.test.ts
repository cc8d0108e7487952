import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
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
} from '../../src/calibration/index.js';

// Read in place from the shared folder; the data carry no licence and are not copied here.
const DIR = process.env.TRUST_OR_ESCALATE_DIR ?? resolve(import.meta.dirname, '../../../shared/datasets/trust-or-escalate');
const JUDGES = ['mistral-7b-instruct', 'gpt-3.5-turbo', 'gpt-4-turbo'] as const;
const present = JUDGES.every((j) => existsSync(join(DIR, `${j}.calibration.jsonl`)));

interface Row {
  instruction: string;
  preferences: { human: number };
  probs: [number, number];
}

function load(judge: string): Row[] {
  return readFileSync(join(DIR, `${judge}.calibration.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row);
}

describe.skipIf(!present)('real judge data (Trust or Escalate)', () => {
  const rows = Object.fromEntries(JUDGES.map((j) => [j, present ? load(j) : []])) as Record<(typeof JUDGES)[number], Row[]>;
  const y = rows['gpt-4-turbo'].map((r) => (r.preferences.human === 1 ? 1 : 0));
  const probs = (j: (typeof JUDGES)[number]): number[] => rows[j].map((r) => r.probs[0] / (r.probs[0] + r.probs[1]));

  it('has the same items in the same order for every judge', () => {
    for (const j of JUDGES) {
      expect(rows[j]).toHaveLength(500);
      expect(rows[j].map((r) => r.instruction)).toEqual(rows['gpt-4-turbo'].map((r) => r.instruction));
      expect(rows[j].map((r) => r.preferences.human)).toEqual(rows['gpt-4-turbo'].map((r) => r.preferences.human));
    }
    const p = probs('gpt-4-turbo');
    const agreement = p.filter((v, i) => pairwiseAgreement(v, y[i]!)).length / p.length;
    expect(agreement).toBeCloseTo(0.784, 3);
  });

  it('a symmetric calibrator fitted on 100 labels lowers GPT-4 ECE on the other 400', () => {
    const p = probs('gpt-4-turbo');
    const perm = permutation(mulberry32(5), 500);
    const cal = perm.slice(0, 100);
    const test = perm.slice(100);
    const model = fitCalibrator(cal.map((i) => p[i]!), cal.map((i) => y[i]!), { symmetric: true });
    expect(model.model).toMatchObject({ method: 'platt', symmetric: true });
    const raw = expectedCalibrationError(test.map((i) => p[i]!), test.map((i) => y[i]!));
    const calibrated = expectedCalibrationError(test.map((i) => model.apply(p[i]!)), test.map((i) => y[i]!));
    expect(raw).toBeGreaterThan(0.1);
    expect(calibrated).toBeLessThan(raw / 1.5);
  });

  it('cross-validation on all labels beats the raw probabilities', () => {
    const cv = crossValidatedMetrics(probs('gpt-4-turbo'), y, 'auto', { seed: 1 });
    expect(cv.method).toBe('beta');
    expect(cv.metrics.ece).toBeLessThan(cv.raw_metrics.ece);
    expect(cv.metrics.brier).toBeLessThan(cv.raw_metrics.brier);
  });

  it('certifies the cascade as a whole: its decided items, counted once, meet the bound', () => {
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
