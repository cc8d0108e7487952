import { once } from "node:events";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { CliError, EXIT } from "./exit";

/** Fails before any work is done when `path` could not be written at the end of it. */
export function checkWritable(path: string): void {
  try {
    if (existsSync(path)) {
      if (statSync(path).isDirectory()) throw new Error("it is a folder");
      accessSync(path, constants.W_OK);
    } else accessSync(dirname(path), constants.W_OK);
  } catch (error) {
    throw new CliError(EXIT.input, `cannot write ${path}: ${(error as Error).message}`);
  }
}

/**
 * Makes the file at `path` hold exactly the bytes of `chunks`, touching only what differs: the
 * bytes it already has in common with them stay, and from the first difference on the file is
 * cut and written. After an interrupted run the file holds the finished items; the next run
 * streams every item and so appends the rest, rewriting only lines that follow a gap (items
 * finished out of order before the interruption). A file cut short by a kill, or left by another
 * input, is put right the same way. Returns the number of bytes the file ends with.
 */
export async function syncFile(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  // r+ keeps what is there; w+ makes the file when there is none.
  const file = await open(path, "r+").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return open(path, "w+");
    throw error;
  });
  try {
    let position = 0;
    let same = true;
    for await (const chunk of chunks) {
      let from = 0;
      if (same) {
        const held = Buffer.alloc(chunk.length);
        const { bytesRead } = await file.read(held, 0, chunk.length, position);
        while (from < bytesRead && held[from] === chunk[from]) from++;
        if (from < chunk.length) {
          same = false;
          await file.truncate(position + from);
        }
      }
      if (from < chunk.length) await file.write(chunk, from, chunk.length - from, position + from);
      position += chunk.length;
    }
    // Everything matched: anything past the end is left over from something longer.
    if (same) await file.truncate(position);
    await file.sync();
    return position;
  } finally {
    await file.close();
  }
}

/** Copies `chunks` to stdout, waiting when the pipe is full. */
export async function toStdout(chunks: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of chunks) {
    if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
  }
}
