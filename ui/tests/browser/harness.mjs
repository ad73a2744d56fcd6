// What every browser end-to-end test shares: the API's address and token from the Rust test
// that runs it, Debian's Chromium through playwright-core, a page whose errors fail the test,
// screenshots of the views (MITEOS_SCREENSHOTS) and of a failure, and the exit status.
//
// Env: MITEOS_URL (base URL), MITEOS_TOKEN, MITEOS_SCREENSHOTS (optional: a folder for the views).
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const base = process.env.MITEOS_URL;
export const token = process.env.MITEOS_TOKEN;
/** The folder the views are saved in, or null. */
export const shots = process.env.MITEOS_SCREENSHOTS || null;
if (!base || !token) throw new Error("MITEOS_URL and MITEOS_TOKEN are required");
if (shots) mkdirSync(shots, { recursive: true });

export const step = (name) => console.log(`· ${name}`);

/** A JSON call of the API, with the token. */
export const api = async (path, init = {}) => {
  const r = await fetch(base + path, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
  });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
};

/**
 * Runs `body({ browser, page, shot })` in a new page of a new context (`contextOptions`), then
 * exits: 0 when it passed and the page raised no error, 1 (the failed step on stderr and a
 * screenshot of the failure saved) otherwise. `shot(name, target = page, options)` saves a view.
 */
export async function inBrowser(name, contextOptions, body) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  let failed = false;
  let page;
  try {
    const context = await browser.newContext(contextOptions);
    page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const shot = async (view, target = page, options = {}) => {
      if (shots) await target.screenshot({ path: join(shots, `${view}.png`), ...options });
    };
    await body({ browser, page, shot });
    if (errors.length) throw new Error(`errors in the page: ${errors.join("; ")}`);
    step("passed");
  } catch (e) {
    failed = true;
    console.error(`FAILED: ${e instanceof Error ? e.stack : e}`);
    if (page) {
      const path = join(shots ?? tmpdir(), `${name}-failure.png`);
      await page.screenshot({ path }).catch(() => {});
      console.error(`screenshot of the failure: ${path}`);
    }
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
}
