// Browser end-to-end test of the living plan in the War Room, driven by tests/e2e/browser_plan.rs
// (a scripted model behind the real API serving the built UI), with Debian's Chromium through
// playwright-core: a plan reviewed and edited before it runs, a failed subtask replanned, a failed
// node edited and rerun, and a follow-up on a finished task.
//
// Env: MITEOS_URL, MITEOS_TOKEN, MITEOS_SCREENSHOTS (optional folder for the views).
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = process.env.MITEOS_URL;
const token = process.env.MITEOS_TOKEN;
const shots = process.env.MITEOS_SCREENSHOTS || null;
if (!base || !token) throw new Error("MITEOS_URL and MITEOS_TOKEN are required");
if (shots) mkdirSync(shots, { recursive: true });

const step = (name) => console.log(`· ${name}`);
const api = async (path) => {
  const r = await fetch(base + path, { headers: { Authorization: `Bearer ${token}` } });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
let failed = false;
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const shot = async (name) => {
    if (shots) await page.screenshot({ path: join(shots, `${name}.png`) });
  };
  const status = (s) => page.locator(`[data-testid="task-status"][data-status="${s}"]`);
  const run = async (text, review = false) => {
    const prompt = page.getByLabel("Describe a task");
    await prompt.fill(text);
    if (review) {
      await page.getByRole("button", { name: /^Budget/ }).click();
      await page.getByTestId("review-toggle").check();
    }
    await prompt.press("Enter");
  };

  await page.goto(`${base}/#token=${token}`);
  await page.getByLabel("Describe a task").waitFor();

  step("a plan waits for review; one node is edited, one removed, then it is approved");
  await run("Review this launch plan", true);
  await page.getByTestId("plan-review").waitFor({ timeout: 30_000 });
  await page.locator('[data-subtask="st-2"]').click();
  await page.getByTestId("edit-subtask").click();
  await page.getByTestId("subtask-instructions").fill("Only primary sources, please.");
  await page.getByTestId("save-subtask").click();
  await page.locator('[data-subtask="st-3"]').click();
  await page.getByTestId("remove-subtask").click();
  await page.getByTestId("review-edits").getByText("2 edits").waitFor();
  await page.locator('[data-subtask="st-2"]').click();
  await shot("plan-review-light");
  await page.getByTestId("approve-plan").click();
  await status("completed").waitFor({ timeout: 30_000 });
  const [reviewed] = await api("/tasks?limit=1");
  const st2 = reviewed.subtasks.find((s) => s.id === "st-2");
  const st3 = reviewed.subtasks.find((s) => s.id === "st-3");
  if (st2.description !== "Only primary sources, please." || st2.output !== "Primary sources only.") {
    throw new Error(`st-2 did not run as edited: ${JSON.stringify(st2)}`);
  }
  if (!st3.dropped) throw new Error("st-3 was not removed");

  step("a failed subtask is replanned and the task completes");
  await run("Recover from a failure");
  await status("completed").waitFor({ timeout: 30_000 });
  await page.getByTestId("revisions").getByText(/replanned \(1\): st-2 failed/).waitFor();
  await page.locator('[data-subtask="st-2"]').click();
  await shot("replanned-light");

  step("a task that gave up: its failed node is edited and rerun");
  await run("Give up on a failure");
  await status("failed").waitFor({ timeout: 30_000 });
  await page.locator('[data-subtask="st-2"][data-status="failed"]').click();
  await page.getByTestId("edit-subtask").click();
  await page.getByTestId("subtask-instructions").fill("Summarise from the notes.");
  await page.getByTestId("save-subtask").click();
  await status("completed").waitFor({ timeout: 30_000 });
  await page.locator('[data-subtask="st-2"]').click();
  await page.getByText("attempt 2").waitFor();
  await shot("retried-light");

  step("a follow-up on the finished task adds a subtask and a file");
  await page.getByTestId("follow-up-input").fill("add a pricing table");
  await page.getByTestId("follow-up-send").click();
  await page.locator('[data-subtask="st-3"]').waitFor({ timeout: 30_000 });
  await status("completed").waitFor({ timeout: 30_000 });
  await page.getByTestId("follow-ups").getByText(/added st-3/).waitFor();
  await page.locator('[data-deliverable="pricing.csv"]').waitFor();
  await page.locator('[data-subtask="st-3"]').getByText('added for the follow-up "add a pricing table"').waitFor();
  await shot("follow-up-light");

  if (errors.length) throw new Error(`errors in the page: ${errors.join("; ")}`);
  step("passed");
} catch (e) {
  failed = true;
  console.error(`FAILED: ${e instanceof Error ? e.stack : e}`);
  if (page) {
    const path = join(shots ?? tmpdir(), "living-plan-failure.png");
    await page.screenshot({ path }).catch(() => {});
    console.error(`screenshot of the failure: ${path}`);
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
