import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useFakeUpstream } from "../support/file-fake";
import { upstreamEnv } from "../support/harness";
import { useTempDirs } from "../support/temp-dirs";
import { counts, ece, expectedFigures, kappa } from "./figures";
import { judgeAs, jsonLines, pointwiseWorld } from "./labelled-world";
import { tickbox } from "./run";

const fake = useFakeUpstream();
const tempDir = useTempDirs("tickbox-calibrate-");
const lines = (world: ReturnType<typeof pointwiseWorld>) => jsonLines(world.map((e) => e.line));

describe("tickbox calibrate, stopped and run again", () => {
  it("Ctrl-C while grading keeps what is graded; the rerun grades only the rest and gives the same report", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const world = pointwiseWorld(48);
    judgeAs(fake, world);
    writeFileSync(join(dir, "labelled.jsonl"), lines(world));
    const reference = await tickbox(["calibrate", "labelled.jsonl", "--json"], { env: { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "ref.db") }, cwd: dir });
    expect(reference.code).toBe(0);

    fake.calls.length = 0;
    fake.latencyMs = 40;
    const env = { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "t.db") };
    let sent = false;
    const first = await tickbox(["calibrate", "labelled.jsonl", "--json", "--concurrency", "2"], {
      env,
      cwd: dir,
      onStderr: (text, child) => {
        if (!sent && text.includes("progress")) {
          sent = true;
          setTimeout(() => child.kill("SIGINT"), 300);
        }
      },
    });
    expect(first.code).toBe(130);
    expect(first.stderr).toContain("interrupted while grading; every finished grading is stored: run the same command to continue");
    expect(first.stdout).toBe("");
    const gradedBefore = fake.calls.filter((c) => c.kind === "grading").length;
    expect(gradedBefore).toBeGreaterThan(0);
    expect(gradedBefore).toBeLessThan(48);

    const second = await tickbox(["calibrate", "labelled.jsonl", "--json"], { env, cwd: dir });
    expect(second.code).toBe(0);
    expect(fake.calls.filter((c) => c.kind === "grading")).toHaveLength(48);
    expect(JSON.parse(second.stdout)).toEqual(JSON.parse(reference.stdout));
  });
});

describe("tickbox calibrate, other inputs", () => {
  it("pairwise lines are compared directly and their p(a better) calibrated", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const world = pointwiseWorld(40);
    // Pairs of a recorded response and a weaker one; the label says which the person preferred.
    const pairs = world.map((e, i) => {
      const good = String(e.line.response);
      // Cut by code points: a cut inside a surrogate pair would be refused as not Unicode text.
      const chars = Array.from(good);
      const weak = `${chars.slice(0, Math.max(1, Math.floor(chars.length / 3))).join("")} (cut short ${i})`;
      const aIsGood = i % 3 !== 0;
      return {
        instruction: e.line.instruction,
        a: aIsGood ? good : weak,
        b: aIsGood ? weak : good,
        label: aIsGood ? "a" : "b",
        good,
        sure: 0.55 + (0.4 * (i % 9)) / 8,
        wrong: i % 5 === 0,
      };
    });
    // The judge prefers the good response at its confidence, except on every fifth pair.
    fake.compare = (call) => {
      const payload = JSON.parse(call.body.messages.at(-1).content);
      const pair = pairs.find((p) => p.good === payload.first_response || p.good === payload.second_response)!;
      const goodFirst = payload.first_response === pair.good;
      const prefersFirst = goodFirst !== pair.wrong;
      return { better: prefersFirst ? "FIRST" : "SECOND", p_first: prefersFirst ? pair.sure : 1 - pair.sure };
    };
    writeFileSync(join(dir, "pairs.jsonl"), jsonLines(pairs.map(({ instruction, a, b, label }) => ({ instruction, a, b, label }))));
    const ran = await tickbox(["calibrate", "pairs.jsonl", "--json"], { env: { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "t.db") }, cwd: dir });
    expect(ran.code).toBe(0);
    const report = JSON.parse(ran.stdout);
    expect(report.kind).toBe("pairwise");
    // p(a better) over both orders: the judge's p(first) when a is shown first, 1 − p(first) when b is.
    const pA = pairs.map((p) => {
      const aGood = p.label === "a";
      const towardsGood = p.wrong ? 1 - p.sure : p.sure;
      return aGood ? towardsGood : 1 - towardsGood;
    });
    const labelPairs = pairs.map((p, i): [boolean, boolean] => [p.label === "a", pA[i]! >= 0.5]);
    const judge = report.judges[0];
    expect(judge.agreement.confusion).toMatchObject(counts(labelPairs));
    expect(judge.agreement.confusion).toMatchObject({ positive: "a", negative: "b" });
    expect(judge.agreement.kappa.estimate).toBeCloseTo(kappa(labelPairs), 12);
    expect(judge.ece.raw.estimate).toBeCloseTo(
      ece(
        pA,
        pairs.map((p) => (p.label === "a" ? 1 : 0)),
      ),
      9,
    );
    expect(judge.items).toBeNull();
    expect(fake.calls.filter((c) => c.kind === "comparison")).toHaveLength(80);
  });

  it("a cascade grades each judge in turn on the first one's checklists and fits one profile", { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const cheap = pointwiseWorld(40, 3, 1);
    const strong = pointwiseWorld(40, 11, 2);
    judgeAs(fake, cheap, { "cheap-judge": cheap, "strong-judge": strong });
    writeFileSync(join(dir, "labelled.jsonl"), lines(cheap));
    const ran = await tickbox(["calibrate", "labelled.jsonl", "--json", "--judge", "cheap-judge,strong-judge"], {
      env: { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "t.db") },
      cwd: dir,
    });
    expect(ran.stderr).toContain("judge 1/2 cheap-judge progress 40/40");
    expect(ran.stderr).toContain("judge 2/2 strong-judge progress 40/40");
    expect(ran.code).toBe(0);
    const report = JSON.parse(ran.stdout);
    expect(report.cascade).toBe(true);
    expect(report.judges.map((j: { model: string }) => j.model)).toEqual(["cheap-judge", "strong-judge"]);
    expect(report.judges.map((j: { diagram: string }) => j.diagram)).toEqual(["labelled.reliability.1.svg", "labelled.reliability.2.svg"]);
    for (const [k, world] of [cheap, strong].entries()) {
      const want = expectedFigures(world);
      expect(report.judges[k].agreement.kappa.estimate).toBeCloseTo(want.kappa, 12);
      expect(report.judges[k].items.agreement).toBeCloseTo(want.items.agreement, 12);
    }
    const gradings = fake.calls.filter((c) => c.kind === "grading");
    expect(gradings.map((c) => c.body.model).sort()).toEqual([...Array(40).fill("cheap-judge"), ...Array(40).fill("strong-judge")]);
  });

  it("a pairwise cascade reports each judge's own decisions and errors, as an independent routing of the items finds them", { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const world = pointwiseWorld(80);
    const pairs = world.map((e, i) => {
      const good = String(e.line.response);
      const weak = `${Array.from(good).slice(0, 20).join("")} (cut short ${i})`;
      const aIsGood = i % 3 !== 0;
      return { instruction: String(e.line.instruction), a: aIsGood ? good : weak, b: aIsGood ? weak : good, label: aIsGood ? "a" : "b", good };
    });
    // The cheap judge is sure of the even pairs (wrong on two of them) and guesses at the rest;
    // the strong one is fairly sure of every pair, wrong on one in ten of the odd ones.
    const judges = {
      "cheap-judge": (i: number) => (i % 2 === 0 ? { sure: 0.953, wrong: i % 40 === 0 } : { sure: 0.557, wrong: i % 4 === 1 }),
      "strong-judge": (i: number) => ({ sure: 0.923, wrong: i % 10 === 3 }),
    };
    fake.compare = (call) => {
      const payload = JSON.parse(call.body.messages.at(-1).content);
      const i = pairs.findIndex((p) => p.good === payload.first_response || p.good === payload.second_response);
      const { sure, wrong } = judges[call.body.model as keyof typeof judges](i);
      const prefersFirst = (payload.first_response === pairs[i]!.good) !== wrong;
      return { better: prefersFirst ? "FIRST" : "SECOND", p_first: prefersFirst ? sure : 1 - sure };
    };
    writeFileSync(join(dir, "pairs.jsonl"), jsonLines(pairs.map(({ instruction, a, b, label }) => ({ instruction, a, b, label }))));
    const run = (json: boolean) =>
      tickbox(["calibrate", "pairs.jsonl", "--judge", "cheap-judge,strong-judge", ...(json ? ["--json"] : [])], {
        env: { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "t.db") },
        cwd: dir,
      });
    const ran = await run(true);
    expect(ran.code).toBe(0);
    const report = JSON.parse(ran.stdout);
    const lambda = report.threshold.lambda;

    // Routed here: each pair goes to the first judge whose confidence in its pick reaches λ.
    const own = Object.values(judges).map(() => ({ reaching: 0, decided: 0, errors: 0 }));
    pairs.forEach((_, i) => {
      for (const [k, judge] of Object.values(judges).entries()) {
        own[k]!.reaching++;
        const { sure, wrong } = judge(i);
        if (sure < lambda) continue;
        own[k]!.decided++;
        if (wrong) own[k]!.errors++;
        break;
      }
    });
    expect(own[1]!.decided).toBeGreaterThan(0);
    expect(report.judges.map((j: any) => ({ reaching: j.n_reaching, decided: j.n_decided, errors: j.n_errors }))).toEqual(own);
    expect(report.threshold.n_accepted).toBe(own[0]!.decided + own[1]!.decided);
    expect(report.threshold.errors).toBe(own[0]!.errors + own[1]!.errors);
    expect(report.scale).toBe("raw");

    // In words: each judge its own figures, and the cascade's totals as the cascade's.
    const text = (await run(false)).stdout;
    const sections = text.split("\njudge ").slice(1);
    own.forEach((o, k) => {
      expect(sections[k]).toContain(
        `at the cascade's λ = ${lambda.toFixed(3)}: ${o.reaching} certification items reach this judge; it decides ${o.decided} of them`,
      );
      expect(sections[k]).toContain(`, ${o.errors} against the label`);
    });
    expect(text).toContain(`certified for the cascade as a whole: λ = ${lambda.toFixed(3)} on the raw confidence max(p, 1 − p) of p(a better)`);
    expect(text).toContain(
      `the cascade answers ${(100 * report.threshold.coverage).toFixed(1)}% of the 80 certification items (${report.threshold.n_accepted}), ${report.threshold.errors} of them against the label`,
    );
  });

  it("refuses a file with invalid lines, naming each, before grading anything", async () => {
    const dir = tempDir();
    const good = pointwiseWorld(2)[0]!.line;
    const text = [
      JSON.stringify(good),
      "",
      JSON.stringify({ ...good, label: 2 }),
      "{not json",
      JSON.stringify({ ...good, lable: 1 }),
      JSON.stringify({ instruction: "x", a: "1", b: "2", label: "a" }),
    ].join("\n");
    writeFileSync(join(dir, "bad.jsonl"), text);
    const ran = await tickbox(["calibrate", "bad.jsonl"], { env: { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "t.db") }, cwd: dir });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("line 3: /label: must be 0 or 1");
    expect(ran.stderr).toContain("line 4: not valid JSON");
    expect(ran.stderr).toContain("line 5: /lable: unknown field");
    expect(ran.stderr).toContain("line 6: a pairwise example in a file of pointwise ones");
    expect(fake.calls).toHaveLength(0);
  });

  it("refuses item labels that name no question of the line's own checklist, every such line before grading anything", { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const world = pointwiseWorld(4);
    judgeAs(fake, world);
    const bad = world.map((e, i) =>
      i === 1
        ? { ...e.line, item_labels: { "Is it purple?": "YES" } }
        : i === 3
          ? { ...e.line, item_labels: { ...(e.line.item_labels as object), q9: "NO" } }
          : e.line,
    );
    const text = jsonLines(bad).replace(/\n$/, `\n${JSON.stringify({ ...world[0]!.line, label: 3 })}\n`);
    writeFileSync(join(dir, "labelled.jsonl"), text);
    const ran = await tickbox(["calibrate", "labelled.jsonl"], { env: { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "t.db") }, cwd: dir });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(
      'line 2: /item_labels/Is it purple?: item_labels names "Is it purple?", which is neither an item id nor a question of its checklist (q1: ',
    );
    expect(ran.stderr).toContain('line 4: /item_labels/q9: item_labels names "q9"');
    expect(ran.stderr).toContain("line 5: /label: must be 0 or 1");
    expect(fake.calls).toHaveLength(0);
  });

  it("checks item labels against a generated checklist once it is generated", { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const world = pointwiseWorld(3);
    judgeAs(fake, world);
    const { checklist: _, ...generated } = world[1]!.line;
    const lines = [world[0]!.line, { ...generated, item_labels: { "Is it purple?": "YES" } }, world[2]!.line];
    writeFileSync(join(dir, "labelled.jsonl"), jsonLines(lines));
    const ran = await tickbox(["calibrate", "labelled.jsonl"], { env: { ...upstreamEnv(fake), TICKBOX_DB: join(dir, "t.db") }, cwd: dir });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('line 2: item_labels names "Is it purple?", which is neither an item id nor a question of its checklist (q1: ');
  });
});
