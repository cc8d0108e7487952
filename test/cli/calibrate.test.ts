import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServer } from "../../src/server";
import { useFakeUpstream } from "../support/file-fake";
import { upstreamEnv } from "../support/harness";
import { useTempDirs } from "../support/temp-dirs";
import { binomialCdf, expectedFigures } from "./figures";
import { type Example, judgeAs, jsonLines, pointwiseWorld } from "./labelled-world";
import { tickbox } from "./run";

const fake = useFakeUpstream();
const tempDir = useTempDirs("tickbox-calibrate-");

const lines = (world: Example[]) => jsonLines(world.map((e) => e.line));

describe("tickbox calibrate, pointwise, on InFoBench", () => {
  it("grades every line, fits a profile and reports figures that match an independent computation", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const world = pointwiseWorld(48);
    judgeAs(fake, world);
    writeFileSync(join(dir, "labelled.jsonl"), lines(world));
    const env = { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "t.db") };
    const ran = await tickbox(["calibrate", "labelled.jsonl", "--json"], { env, cwd: dir });
    expect(ran.stderr).toContain("progress 48/48 (100%)");
    expect(ran.code).toBe(0);
    const report = JSON.parse(ran.stdout);
    const want = expectedFigures(world);

    expect(report).toMatchObject({ kind: "pointwise", lines: 48, used: 48, failed: [], name: "labelled.jsonl", cascade: false });
    expect(report.profile_id).toMatch(/^cb_[0-9a-f]{32}$/);
    const [judge] = report.judges;
    expect(judge.model).toBe("judge-test");
    // Under 50 labels nothing is fitted: the raw signal is served, so "calibrated" figures are the raw ones.
    expect(judge).toMatchObject({ method: "identity", calibrated: false, n: 48 });

    const agreement = judge.agreement;
    expect(agreement.n).toBe(48);
    expect({ tp: agreement.confusion.tp, fn: agreement.confusion.fn, fp: agreement.confusion.fp, tn: agreement.confusion.tn }).toEqual(want.confusion);
    expect(agreement.accuracy.estimate).toBeCloseTo(want.accuracy, 12);
    expect(agreement.kappa.estimate).toBeCloseTo(want.kappa, 12);
    expect(agreement.kappa.lo).toBeLessThan(want.kappa);
    expect(agreement.kappa.hi).toBeGreaterThan(want.kappa);

    expect(judge.items.n).toBe(want.items.n);
    expect(judge.items.lines).toBe(48);
    expect(judge.items.agreement).toBeCloseTo(want.items.agreement, 12);
    expect(judge.items.confusion).toEqual(want.items.confusion);
    expect(judge.items.kappa.estimate).toBeCloseTo(want.items.kappa, 12);
    expect(judge.items.questions).toHaveLength(want.perQuestion.size);
    for (const q of judge.items.questions) {
      const pairs = want.perQuestion.get(q.question)!;
      expect(q.n).toBe(pairs.length);
      expect(q.agreement).toBeCloseTo(pairs.filter(([l, j]) => l === j).length / pairs.length, 12);
    }

    expect(judge.ece.raw.estimate).toBeCloseTo(want.ece, 9);
    expect(judge.brier.raw.estimate).toBeCloseTo(want.brier, 9);
    expect(judge.ece.calibrated.estimate).toBeCloseTo(want.ece, 9);
    expect(judge.brier.calibrated.estimate).toBeCloseTo(want.brier, 9);

    // The certificate's claims, checked on the items themselves (no map: confidence is max(p, 1 − p)).
    const t = report.threshold;
    expect(t).not.toBeNull();
    const accepted = world.filter((e) => Math.max(e.p, 1 - e.p) >= t.lambda);
    const errors = accepted.filter((e) => (e.p >= 0.5 ? 1 : 0) !== e.label).length;
    expect(t.n_accepted).toBe(accepted.length);
    expect(t.errors).toBe(errors);
    expect(t.coverage).toBeCloseTo(accepted.length / 48, 12);
    expect(report.coverage).toBeCloseTo(accepted.length / 48, 12);
    expect(report.agreement).toBeCloseTo(1 - errors / accepted.length, 12);
    expect(t.n_accepted).toBeGreaterThanOrEqual(30);
    expect(t.upper_bound).toBeLessThanOrEqual(0.2);
    // The bound is the Clopper–Pearson one: at it, seeing this few errors has probability δ.
    expect(binomialCdf(errors, accepted.length, t.upper_bound)).toBeCloseTo(0.1, 6);
    expect(report.not_certified).toBeNull();
    expect(report.scale).toBe("calibrated");

    const svg = readFileSync(join(dir, judge.diagram), "utf8");
    expect(judge.diagram).toBe("labelled.reliability.svg");
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);

    // Every line was graded once: one upstream call per line, each line its own grading.
    expect(fake.calls.filter((c) => c.kind === "grading")).toHaveLength(48);
  });

  it("prints the same figures as text", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const world = pointwiseWorld(48);
    judgeAs(fake, world);
    writeFileSync(join(dir, "labelled.jsonl"), lines(world));
    const want = expectedFigures(world);
    const ran = await tickbox(["calibrate", "labelled.jsonl", "--diagram", "diagram.svg"], {
      env: { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "t.db") },
      cwd: dir,
    });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^profile cb_[0-9a-f]{32} "labelled\.jsonl" \(pointwise\)/);
    expect(ran.stdout).toContain(`accuracy ${want.accuracy.toFixed(3)} [`);
    expect(ran.stdout).toContain(`Cohen's κ ${want.kappa.toFixed(3)} [`);
    const c = want.confusion;
    expect(ran.stdout).toMatch(new RegExp(`label 1 +${c.tp} +${c.fn}\\n +label 0 +${c.fp} +${c.tn}`));
    expect(ran.stdout).toContain(`item-level agreement (item_labels): ${(100 * want.items.agreement).toFixed(1)}% of ${want.items.n} answers on 48 lines`);
    expect(ran.stdout).toMatch(new RegExp(`raw +${want.ece.toFixed(3)} \\[.*\\] +${want.brier.toFixed(3)} \\[`));
    expect(ran.stdout).toMatch(
      /\ncertified: λ = 0\.\d{3} on the calibrated confidence max\(q, 1 − q\) of the map's probability q \(the raw signal where no map was fitted\)\n {2}the judge answers \d+\.\d% of the 48 certification items \(\d+\), \d+ of them against the label/,
    );
    expect(ran.stdout).toContain("reliability diagram: diagram.svg");
    expect(existsSync(join(dir, "diagram.svg"))).toBe(true);
  });

  it("says why nothing certified and about how many labels it would take; that many from the same world certify", { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const env = { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "t.db") };
    const few = pointwiseWorld(24);
    judgeAs(fake, few);
    writeFileSync(join(dir, "few.jsonl"), lines(few));
    const ran = await tickbox(["calibrate", "few.jsonl", "--json"], { env, cwd: dir });
    expect(ran.code).toBe(0);
    const report = JSON.parse(ran.stdout);
    expect(report.threshold).toBeNull();
    expect(report.not_certified.reason).toContain("only 24 labels certify");
    const needed = report.not_certified.labels_needed;
    expect(needed.now).toEqual({ labels: 24, certified: 0 });
    expect(needed.as_likely_as_not).toBeGreaterThan(24);
    expect(needed.near_certain).toBeLessThan(500);

    // The same judge on that many labels from the same world: now it certifies.
    const more = pointwiseWorld(needed.near_certain);
    judgeAs(fake, more);
    writeFileSync(join(dir, "more.jsonl"), lines(more));
    const again = await tickbox(["calibrate", "more.jsonl", "--json"], { env, cwd: dir });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).threshold).not.toBeNull();
  });

  it("with a fitted map, reports the profile's held-out figures as the server gives them", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    // Platt on a pointwise profile needs 98 labels: a fifth of them fit the map, the rest certify.
    const world = pointwiseWorld(120);
    judgeAs(fake, world);
    writeFileSync(join(dir, "labelled.jsonl"), lines(world));
    const db = join(dir, "t.db");
    const ran = await tickbox(["calibrate", "labelled.jsonl", "--json", "--method", "platt", "--alpha", "0.25", "--delta", "0.05"], {
      env: { ...upstreamEnv(fake), TICKBOX_DB: db },
      cwd: dir,
    });
    expect(ran.code).toBe(0);
    const report = JSON.parse(ran.stdout);
    const judge = report.judges[0];
    expect(report.target).toEqual({ alpha: 0.25, delta: 0.05 });
    expect(judge).toMatchObject({ method: "platt", calibrated: true, n: 120 });
    const want = expectedFigures(world);
    expect(judge.ece.raw.estimate).toBeCloseTo(want.ece, 9);
    expect(judge.brier.raw.estimate).toBeCloseTo(want.brier, 9);

    const server = await startServer({ ...upstreamEnv(fake), TICKBOX_DB: db, PORT: "0" });
    try {
      const profile: any = await (await fetch(`${server.url}/v1/calibrations/${report.profile_id}`)).json();
      expect(judge.ece.calibrated).toEqual(profile.metrics.ece);
      expect(judge.brier.calibrated).toEqual(profile.metrics.brier);
      expect(judge.agreement.calibrated_accuracy).toEqual(profile.metrics.accuracy);
      expect(report.threshold).toEqual(profile.threshold);
      // The profile was fitted on the evaluations the batch made: each example names one.
      expect(profile.n).toBe(120);
    } finally {
      await server.stop();
    }
  });
});
