import { readFileSync } from "node:fs";
import { createApp } from "../../src/app";
import { parseConfig } from "../../src/config";
import { nodeDocsScript } from "../../src/routes/system/node-docs-script";
import { buildServices } from "../../src/services";
import { openSqlite } from "../../src/store/sqlite";
import { createSqlStores } from "../../src/store/sql-stores";
import type { FakeCall, FakeUpstream } from "./fake-upstream";
import { upstreamVars } from "./upstream-vars";
import { clientOver } from "./client";

/** The upstream settings that point the service at a fake. */
export function upstreamEnv(fake: FakeUpstream): Record<string, string> {
  return upstreamVars(fake.baseUrl);
}

/**
 * A fresh app on its own in-memory database; requests go through `app.request()`. `background`
 * adds the batch service, as the Node entry does.
 */
export function makeApp(env: Record<string, string> = {}, options: Parameters<typeof buildServices>[2] = {}) {
  const config = parseConfig({ TICKBOX_DB: ":memory:", ...env });
  const database = openSqlite(config.TICKBOX_DB);
  // The API reference's script as the Node server reads it, unless a test leaves it out.
  const { docsScript, ...rest } = "docsScript" in options ? options : { ...options, docsScript: nodeDocsScript() };
  const services = buildServices(config, createSqlStores(database), { ...rest, ...(docsScript ? { docsScript } : {}) });
  const app = createApp(services);
  return { app, services, close: database.close, ...clientOver((request) => app.request(request)) };
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
export const infobench: InfoBenchRow[] = readFileSync(new URL("../fixtures/infobench/sample.jsonl", import.meta.url), "utf8")
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

/** The JSON data a judge call carries in its last message (instruction, response, …). */
export function payloadOf(call: FakeCall): any {
  return JSON.parse(call.body.messages.at(-1).content);
}
