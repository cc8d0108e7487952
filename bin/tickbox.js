#!/usr/bin/env node
// The `tickbox` command: the TypeScript entry, loaded through tsx's loader.
import { register } from "tsx/esm/api";

register();
process.env.TICKBOX_CLI_ENTRY = "1";
await import("../src/cli/main.ts");
