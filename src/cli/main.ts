import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { calibrateCommand } from "./calibrate/command";
import { evalCommand } from "./eval";
import { EXIT, EXIT_HELP, failureOf } from "./exit";
import { postCase, textArg } from "./single";

const DEFAULT_SERVER = process.env.TICKBOX_SERVER ?? "http://127.0.0.1:8787";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1024) throw new InvalidArgumentError("an integer from 1 to 1024");
  return n;
}

function openUnit(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError("a number between 0 and 1");
  return n;
}

/** Every command that talks to a server takes a key: the option, else TICKBOX_API_KEY. */
const apiKeyOption = () =>
  new Option("-k, --api-key <key>", "API key sent as Authorization: Bearer (a key from POST /v1/keys, or TICKBOX_ADMIN_KEY)").env("TICKBOX_API_KEY");

/** The `tickbox` command line; returns the exit status (-1: keep running, as `serve` does). */
export async function main(argv: string[]): Promise<number> {
  let status: number = EXIT.ok;
  const program = new Command()
    .name("tickbox")
    .description("A checklist-based LLM judge: serve it, grade files and single cases, calibrate a judge from labelled examples.")
    .exitOverride()
    .showHelpAfterError()
    .addHelpText("after", EXIT_HELP);

  program
    .command("serve")
    .description("start the HTTP server (same as npm start; configured by the environment, see README)")
    .action(async () => {
      const { runServer } = await import("../server");
      await runServer();
      status = -1;
    });

  program
    .command("eval")
    .description("grade a JSON Lines file of evaluation requests as one batch, with progress on stderr")
    .argument("<input>", "JSON Lines (or a JSON array) of POST /v1/evaluations requests, each with an optional custom_id")
    .option("-o, --out <file>", "where to write the results (JSON Lines); stdout when absent")
    .option("-s, --server <url>", "send the batch to this server; without it the service runs in this process on TICKBOX_DB")
    .option("-c, --concurrency <n>", "upstream calls in flight at once", positiveInt)
    .addOption(apiKeyOption())
    .addHelpText("after", EXIT_HELP)
    .action(async (input: string, options: { out?: string; server?: string; concurrency?: number; apiKey?: string }) => {
      status = await evalCommand(input, options);
    });

  program
    .command("calibrate")
    .description("grade a file of labelled examples, fit a calibration profile and certify an abstention threshold")
    .argument(
      "<labelled>",
      'JSON Lines: {instruction, context?, response, checklist?, label: 0|1, item_labels?} or {instruction, context?, a, b, label: "a"|"b"}',
    )
    .option("-j, --judge <models>", "the judge model, or a cascade cheapest first: m1,m2,… (default: the server's TICKBOX_JUDGE_MODEL)")
    .option("--alpha <a>", "certify agreement ≥ 1 − alpha (default 0.2)", openUnit)
    .option("--delta <d>", "… with probability ≥ 1 − delta (default 0.1)", openUnit)
    .addOption(new Option("--method <method>", "calibration map (default auto: by label count)").choices(["auto", "temperature", "platt", "beta", "isotonic"]))
    .option("--pooled", "cascade: each judge is fitted on the mean signal of the judges before it and its own")
    .option("--name <name>", "the profile's name (default: the file's name)")
    .option("--diagram <file>", "where to write the reliability diagram (SVG; default <labelled>.reliability.svg)")
    .option("--json", "print the report as one JSON object")
    .option("-s, --server <url>", "grade and fit on this server; without it the service runs in this process on TICKBOX_DB")
    .option("-c, --concurrency <n>", "upstream calls in flight at once", positiveInt)
    .addOption(apiKeyOption())
    .addHelpText("after", EXIT_HELP)
    .action(async (input: string, options: Parameters<typeof calibrateCommand>[1]) => {
      status = await calibrateCommand(input, options);
    });

  program
    .command("select")
    .description("pick the best of several candidate responses (POST /v1/selections on --server)")
    .argument("<instruction>", "the instruction, or @file")
    .argument("<candidates...>", "two or more candidate responses, each text or @file")
    .option("-s, --server <url>", "the tickbox server (default TICKBOX_SERVER or http://127.0.0.1:8787)", DEFAULT_SERVER)
    .addOption(apiKeyOption())
    .action(async (instruction: string, candidates: string[], options: { server: string; apiKey?: string }) => {
      if (candidates.length < 2) throw new InvalidArgumentError("select needs at least two candidates");
      const body = { instruction: textArg(instruction), candidates: candidates.map(textArg) };
      status = await postCase(options.server, options.apiKey, (client) => client.post("/v1/selections", { body }));
    });

  program
    .command("compare")
    .description("compare two responses to one instruction (POST /v1/comparisons on --server)")
    .argument("<instruction>", "the instruction, or @file")
    .argument("<a>", "response A, or @file")
    .argument("<b>", "response B, or @file")
    .option("-s, --server <url>", "the tickbox server (default TICKBOX_SERVER or http://127.0.0.1:8787)", DEFAULT_SERVER)
    .addOption(apiKeyOption())
    .action(async (instruction: string, a: string, b: string, options: { server: string; apiKey?: string }) => {
      const body = { instruction: textArg(instruction), a: textArg(a), b: textArg(b) };
      status = await postCase(options.server, options.apiKey, (client) => client.post("/v1/comparisons", { body }));
    });

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT.input;
    }
    // Commander has printed its message (or the help); only --help and --version end well.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.input;
    const { code, message } = failureOf(error);
    process.stderr.write(`${message}\n`);
    return code;
  }
  return status;
}

if (process.argv[1]?.endsWith("cli/main.ts") || process.env.TICKBOX_CLI_ENTRY === "1") {
  const status = await main(process.argv.slice(2));
  if (status >= 0) process.exit(status);
}
