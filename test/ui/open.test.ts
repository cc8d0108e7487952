// Without TICKBOX_ADMIN_KEY the service is open (on loopback): the viewer asks for no key.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server";
import { CHROMIUM, contentLoaded, launchChromium, openPage, screenshot } from "./support/browser";

let browser: Browser;
let server: Awaited<ReturnType<typeof startServer>>;
let dir: string;

describe.skipIf(!existsSync(CHROMIUM))("the viewer of an open service", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tickbox-open-"));
    [server, browser] = await Promise.all([startServer({ HOST: "127.0.0.1", PORT: "0", TICKBOX_DB: join(dir, "open.db") }), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows the pages with no key prompt, and says what is empty", async () => {
    const { page, problems, requests } = await openPage(browser);
    await page.goto(`${server.url}/`);
    await contentLoaded(page);
    expect(page.url()).toBe(`${server.url}/ui/batches`);
    expect(await page.isVisible("#key-form")).toBe(false);
    expect(await page.isVisible("#forget-key")).toBe(false);
    expect(await page.innerText("main")).toContain("No batches yet");
    expect(requests.every((r) => !r.headers.authorization)).toBe(true);
    await screenshot(page, "open-empty");
    for (const path of ["/ui/evaluations", "/ui/checklists", "/ui/calibrations", "/ui/usage"]) {
      await page.goto(`${server.url}${path}`);
      await contentLoaded(page);
      expect(await page.locator("main .page h1").count(), path).toBe(1);
      expect(await page.locator("main .problem").count(), path).toBe(0);
    }
    expect(problems()).toEqual([]);
  });
});
