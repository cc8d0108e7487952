// Debian's Chromium driven by playwright-core: no browser is downloaded. Pages may reach only
// 127.0.0.1; anything else is refused and counted, as are console errors, uncaught exceptions
// and failed requests.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Browser, type BrowserContext, type Locator, type Page, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = resolve(import.meta.dirname, "../../../test-artifacts/ui");

/** Chromium with a fresh profile (playwright-core makes one per launch and removes it after) and no background traffic. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export interface Watched {
  page: Page;
  context: BrowserContext;
  /** Everything that went wrong in the page so far: console errors, exceptions, failed or refused requests. */
  problems(): string[];
  /** Requests the page made, with their headers. */
  requests: { url: string; headers: Record<string, string> }[];
}

/** A fresh browser context (its own session storage) and page, watched. */
export async function openPage(browser: Browser): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1, acceptDownloads: true });
  const problems: string[] = [];
  const requests: Watched["requests"] = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1") return route.continue();
    problems.push(`request to another host: ${url.href}`);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("request", (request) => requests.push({ url: request.url(), headers: request.headers() }));
  page.on("requestfailed", (request) => {
    const failure = request.failure()?.errorText ?? "";
    // An event stream is closed on purpose when the page reloads its content or is left.
    if (request.url().endsWith("/events") && failure.includes("ERR_ABORTED")) return;
    problems.push(`failed: ${request.method()} ${request.url()} ${failure}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return { page, context, problems: () => [...problems], requests };
}

/** Saves a full-page screenshot under test-artifacts/ui (git-ignored) for people to look at. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

/** One element, e.g. a chart, at twice the pixels, to read its small print. */
export async function screenshotOf(locator: Locator, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await locator.screenshot({ path: join(ARTIFACTS, `${name}.png`), scale: "device" });
}

/** Waits until the page's content has been loaded (or replaced) by its script. */
export async function contentLoaded(page: Page): Promise<void> {
  await page.waitForSelector('main:not([aria-busy="true"]) .page, #key-form:not([hidden])');
}

/** Opens a viewer page and gives the key prompt `key` (skipped when no prompt comes). */
export async function openAs(page: Page, url: string, key: string | null): Promise<void> {
  await page.goto(url);
  await contentLoaded(page);
  if (key !== null && (await page.isVisible("#key-form"))) {
    await page.fill("#key-input", key);
    await page.click("#key-form button[type=submit]");
    await page.waitForSelector('main:not([aria-busy="true"]) .page');
  }
}
