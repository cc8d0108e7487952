import { describe, expect, it } from 'vitest';
import { certifyCascade, evaluateCascade, routeItem, type CascadeJudge } from '../../src/calibration/index.js';

/**
 * 300 items. Judge A is confident and right on items 0–99, and equally unsure (and often wrong)
 * on the rest; judge B likewise on items 100–199; judge C is confident everywhere but only half
 * right. The ties make the first failing threshold accept a whole unsure block at once.
 */
function judges(): CascadeJudge[] {
  const n = 300;
  const idx = Array.from({ length: n }, (_, i) => i);
  return [
    { name: 'A', confidence: idx.map((i) => (i < 100 ? 0.99 - i * 1e-4 : 0.6)), agree: idx.map((i) => i < 100 || i % 2 === 0) },
    { name: 'B', confidence: idx.map((i) => (i >= 100 && i < 200 ? 0.97 - i * 1e-4 : 0.55)), agree: idx.map((i) => (i >= 100 && i < 200) || i % 3 === 0) },
    { name: 'C', confidence: idx.map(() => 0.95), agree: idx.map((i) => i % 2 === 0) },
  ];
}

describe('cascade', () => {
  it('certifies each judge on the items earlier judges abstained on', () => {
    const result = certifyCascade(judges(), { alpha: 0.1, delta: 0.1 });
    const [a, b, c] = result.stages;
    expect(a!.n_reaching).toBe(300);
    expect(a!.n_decided).toBe(100);
    expect(b!.n_reaching).toBe(200);
    expect(b!.n_decided).toBe(100);
    expect(c!.n_reaching).toBe(100);
    expect(c!.certificate).toBeNull();
    expect(result.lambdas[2]).toBeNull();
    expect(result.coverage).toBeCloseTo(200 / 300, 12);
    expect(result.agreement).toBe(1);
    expect(result.decided_by_judge).toEqual([100, 100, 0]);
  });

  it('evaluates certified thresholds on new items', () => {
    const out = evaluateCascade([0.9, 0.9, null], judges());
    expect(out.n_decided).toBe(200);
    expect(out.agreement).toBe(1);
    const none = evaluateCascade([null, null, null], judges());
    expect(none).toMatchObject({ coverage: 0, agreement: null });
  });

  it('routes an item to the first judge that reaches its threshold, calling judges lazily', () => {
    expect(routeItem([0.9, null, 0.8], [0.5, 0.99, 0.85])).toEqual({ decided_by: 2, confidence: 0.85 });
    expect(routeItem([0.9, 0.7], [0.95, 0.99])).toEqual({ decided_by: 0, confidence: 0.95 });
    expect(routeItem([0.9, 0.7], [0.5, 0.6])).toEqual({ decided_by: null });
    const asked: number[] = [];
    const route = routeItem([0.9, 0.7, 0.6], (j) => {
      asked.push(j);
      return [0.5, 0.75, 0.99][j]!;
    });
    expect(route).toEqual({ decided_by: 1, confidence: 0.75 });
    expect(asked).toEqual([0, 1]);
  });

  it('rejects judges over different item sets', () => {
    const [a, b] = judges();
    expect(() => certifyCascade([a!, { ...b!, confidence: b!.confidence.slice(1) }], { alpha: 0.1, delta: 0.1 })).toThrow(
      /judges\[1\]\.confidence/,
    );
  });
});
