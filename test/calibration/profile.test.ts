import { describe, expect, it } from 'vitest';
import {
  applyCalibrator,
  buildProfile,
  clopperPearsonUpper,
  decideConfidence,
  minLabelsFor,
  pooledSignal,
  type Label,
} from '../../src/calibration/index.js';
import { syntheticJudge } from './helpers.js';

describe('calibration profiles', () => {
  it('asks explicit methods for enough labels that every cross-validation fold can fit', () => {
    expect(minLabelsFor('platt')).toBe(50);
    expect(minLabelsFor('beta')).toBe(63);
    expect(minLabelsFor('isotonic')).toBe(250);
    expect(() => buildProfile('pointwise', [{ judge: null, ...judge(62) }], { method: 'beta', target: { alpha: 0.2, delta: 0.1 } })).toThrow(/at least 63/);
  });

  it('serves the raw signal under 50 labels', () => {
    const profile = buildProfile('pointwise', [{ judge: null, ...judge(49) }], { method: 'auto', target: { alpha: 0.2, delta: 0.1 } });
    const stage = profile.stages[0]!;
    expect(stage).toMatchObject({ method: 'identity', calibrated: false });
    expect(applyCalibrator(stage.model, 0.37)).toBe(0.37);
  });

  it('certifies on the fitted map, and the certificate passes its own test', () => {
    const data = judge(400);
    const profile = buildProfile('pointwise', [{ judge: null, ...data }], { method: 'auto', target: { alpha: 0.2, delta: 0.1 } });
    const stage = profile.stages[0]!;
    const t = stage.threshold!;
    const q = data.p.map((v) => applyCalibrator(stage.model, v));
    const accepted = q.flatMap((v, i) => (Math.max(v, 1 - v) >= t.lambda ? [i] : []));
    const errors = accepted.filter((i) => (q[i]! >= 0.5 ? 1 : 0) !== data.y[i]).length;
    expect([accepted.length, errors]).toEqual([t.n_accepted, t.errors]);
    expect(clopperPearsonUpper(errors, accepted.length, 0.1)).toBeLessThanOrEqual(0.2);
  });

  it('decides: answers at or above λ with the guarantee, abstains below or without a threshold', () => {
    const model = { method: 'identity', params: {}, calibrated: false, reason: 'too_few_labels', n_labels: 0, symmetric: false } as const;
    const threshold = { lambda: 0.8, coverage: 0.5, alpha: 0.2, delta: 0.1, n_accepted: 40, errors: 2, upper_bound: 0.15 };
    expect(decideConfidence('pointwise', { model, threshold }, 0.15)).toMatchObject({ verdict: 'fail', confidence: 0.85, abstain: false, reason: 'certified' });
    expect(decideConfidence('pairwise', { model, threshold }, 0.7)).toMatchObject({ verdict: 'a', abstain: true, reason: 'below_threshold', guarantee: null });
    expect(decideConfidence('pairwise', { model, threshold: null }, 0.99)).toMatchObject({ abstain: true, reason: 'no_certified_threshold', threshold: null });
  });

  it('pools by the plain mean', () => {
    expect(pooledSignal([0.2, 0.6, 0.7])).toBeCloseTo(0.5, 12);
  });
});

function judge(n: number): { p: number[]; y: Label[] } {
  const { p, y } = syntheticJudge(n, 3, (q) => 0.5 + (q - 0.5) * 0.95);
  return { p, y: y as Label[] };
}
