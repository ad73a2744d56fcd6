// Browser end-to-end test of the living plan in the War Room, driven by tests/e2e/browser_plan.rs
// (a scripted model behind the real API serving the built UI), with Debian's Chromium through
// playwright-core: a plan reviewed and edited before it runs, a failed subtask replanned, a failed
// node edited and rerun, and a follow-up on a finished task.
//
// Env: MITEOS_URL, MITEOS_TOKEN, MITEOS_SCREENSHOTS (optional folder for the views).
import { api, base, inBrowser, step, token } from "./harness.mjs";

await inBrowser("living-plan", { viewport: { width: 1280, height: 800 } }, async ({ page, shot }) => {
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

  step("an edit that breaks the plan is refused, each problem shown at its subtask");
  await run("Review a dependent plan", true);
  await page.getByTestId("plan-review").waitFor({ timeout: 30_000 });
  await page.locator('[data-subtask="st-1"]').click();
  await page.getByTestId("remove-subtask").click();
  await page.getByTestId("approve-plan").click();
  const problem = page.getByTestId("plan-problems").locator('li[data-problem-subtask="st-2"][data-field="depends_on"]');
  await problem.waitFor({ timeout: 10_000 });
  if (!(await problem.textContent())?.includes("st-2 · depends on:")) throw new Error("the problem does not name st-2");
  await page.locator('[data-subtask="st-2"]').click();
  await page.getByTestId("subtask-problems").locator('li[data-field="depends_on"]').waitFor();
  await shot("plan-problems-light");
});
