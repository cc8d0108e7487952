import { readFileSync } from "node:fs";
import { createApp } from "../../src/app";
import { parseConfig } from "../../src/config";
import { buildServices } from "../../src/services";
import { openSqlite } from "../../src/store/sqlite";
import type { FakeUpstream } from "./fake-upstream";

/** The upstream settings that point the service at a fake. */
export function upstreamEnv(fake: FakeUpstream): Record<string, string> {
  return {
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: "test-key",
    TICKBOX_JUDGE_MODEL: "judge-test",
    TICKBOX_UPSTREAM_RETRIES: "0",
    TICKBOX_UPSTREAM_TIMEOUT_MS: "5000",
  };
}

/**
 * A fresh app on its own in-memory database; requests go through `app.request()`. `background`
 * adds the batch service, as the Node entry does.
 */
export function makeApp(env: Record<string, string> = {}, options: { background?: boolean } = {}) {
  const config = parseConfig({ TICKBOX_DB: ":memory:", ...env });
  const { db, close } = openSqlite(config.TICKBOX_DB);
  const services = buildServices(config, db, options);
  const app = createApp(services);
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const res = await app.request(path, init);
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return {
    app,
    services,
    close,
    post: (path: string, body: unknown, headers?: Record<string, string>) => send("POST", path, body, headers),
    get: (path: string) => send("GET", path),
    send,
  };
}

export interface InfoBenchRow {
  id: string;
  instruction: string;
  input: string;
  decomposed_questions: string[];
  output: string;
  eval: boolean[];
}

/** Real InFoBench rows (MIT; see test/fixtures/infobench/SOURCE.md). */
export const infobench: InfoBenchRow[] = readFileSync(
  new URL("../fixtures/infobench/sample.jsonl", import.meta.url),
  "utf8",
)
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line));

/** Scripts the fake to give a row's recorded verdicts, by item position. */
export function answerLike(fake: FakeUpstream, row: InfoBenchRow, pYes = (yes: boolean) => (yes ? 0.93 : 0.12)) {
  fake.answer = (_id, index) => {
    const yes = row.eval[index] ?? true;
    return { verdict: yes ? "YES" : "NO", p_yes: pYes(yes), rationale: `Recorded GPT-4 verdict for question ${index + 1}.` };
  };
}
