import { Command, InvalidArgumentError } from "commander";
import { ProblemError } from "../errors";
import { evalCommand } from "./eval";
import { postCase, textArg } from "./single";

const DEFAULT_SERVER = process.env.TICKBOX_SERVER ?? "http://127.0.0.1:8787";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new InvalidArgumentError("an integer from 1 to 1024");
  return n;
}

/** The `tickbox` command line; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  let status = 0;
  const program = new Command()
    .name("tickbox")
    .description("A checklist-based LLM judge: serve it, or grade files and single cases from the command line.")
    .exitOverride()
    .showHelpAfterError();

  program
    .command("serve")
    .description("start the HTTP server (same as npm start; configured by the environment, see README)")
    .action(async () => {
      const { runServer } = await import("../server");
      await runServer();
      status = -1; // keep running
    });

  program
    .command("eval")
    .description("grade a JSON Lines file of evaluation requests as one batch, with progress on stderr")
    .argument("<input>", "JSON Lines (or a JSON array) of POST /v1/evaluations requests, each with an optional custom_id")
    .option("-o, --out <file>", "where to write the results (JSON Lines); stdout when absent")
    .option("-s, --server <url>", "send the batch to this server; without it the batch runs here on TICKBOX_DB")
    .option("-c, --concurrency <n>", "upstream calls in flight at once", positiveInt)
    .action(async (input: string, options: { out?: string; server?: string; concurrency?: number }) => {
      status = await evalCommand(input, options);
    });

  program
    .command("select")
    .description("pick the best of several candidate responses (POST /v1/selections on --server)")
    .argument("<instruction>", "the instruction, or @file")
    .argument("<candidates...>", "two or more candidate responses, each text or @file")
    .option("-s, --server <url>", "the tickbox server", DEFAULT_SERVER)
    .action(async (instruction: string, candidates: string[], options: { server: string }) => {
      if (candidates.length < 2) throw new InvalidArgumentError("select needs at least two candidates");
      status = await postCase(options.server, "/v1/selections", { instruction: textArg(instruction), candidates: candidates.map(textArg) });
    });

  program
    .command("compare")
    .description("compare two responses to one instruction (POST /v1/comparisons on --server)")
    .argument("<instruction>", "the instruction, or @file")
    .argument("<a>", "response A, or @file")
    .argument("<b>", "response B, or @file")
    .option("-s, --server <url>", "the tickbox server", DEFAULT_SERVER)
    .action(async (instruction: string, a: string, b: string, options: { server: string }) => {
      status = await postCase(options.server, "/v1/comparisons", { instruction: textArg(instruction), a: textArg(a), b: textArg(b) });
    });

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof ProblemError) {
      process.stderr.write(`${error.detail}\n${(error.errors ?? []).map((e) => `  ${e.path}: ${e.message}\n`).join("")}`);
      return 2;
    }
    if (error instanceof InvalidArgumentError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    if (error && typeof error === "object" && "exitCode" in error) return (error as { exitCode: number }).exitCode;
    throw error;
  }
  return status;
}

if (process.argv[1]?.endsWith("cli/main.ts") || process.env.TICKBOX_CLI_ENTRY === "1") {
  const status = await main(process.argv.slice(2));
  if (status >= 0) process.exit(status);
}
