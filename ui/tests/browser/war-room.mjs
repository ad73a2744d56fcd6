// Browser end-to-end test of the War Room, driven by the Rust test tests/e2e/browser.rs: it
// starts `miteos` (real HTTP API on 127.0.0.1, real SQLite, a scripted model server) serving the
// built UI, then runs this script with Debian's Chromium through playwright-core.
//
// Env: MITEOS_URL (base URL), MITEOS_TOKEN, MITEOS_SCREENSHOTS (optional: a folder to save the
// main views in, light and dark). Exits non-zero with the failed step on stderr.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { api, base, inBrowser, shots, step, token } from "./harness.mjs";

const EXAMPLE = "Research the top 5 SaaS competitors to Notion and create a feature comparison spreadsheet";

const SLOW = "Watch a slow page until told to stop";

await inBrowser("war-room", { viewport: { width: 1280, height: 800 }, acceptDownloads: true }, async ({ browser, page, shot }) => {
  step("open the War Room with the token in the fragment");
  await page.goto(`${base}/#token=${token}`);
  const prompt = page.getByLabel("Describe a task");
  await prompt.waitFor();
  if (page.url().includes("token")) throw new Error("the token stays in the address bar");
  if (!(await prompt.evaluate((el) => el === document.activeElement))) throw new Error("the prompt bar is not focused on open");
  await shot("empty-light");

  step("submit the example prompt with Enter");
  await prompt.fill(EXAMPLE);
  await prompt.press("Enter");
  const status = page.getByTestId("task-status");
  await page.locator('[data-testid="task-status"][data-status="completed"]').waitFor({ timeout: 60_000 });
  const states = await page.locator('[role="treeitem"]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-status")));
  if (states.length !== 3 || states.some((s) => s !== "complete")) throw new Error(`tree states: ${states}`);
  step(`the tree reached completed: ${states.join(", ")}`);

  step("open a subtask and see its tool call");
  await page.locator('[data-subtask="st-1"]').click();
  await page.locator('[data-tool="fetch_url"]').first().waitFor();

  step("preview the spreadsheet as a table");
  await page.getByTitle("Preview comparison.xlsx").click();
  await page.getByRole("cell", { name: "Confluence" }).waitFor();
  await shot("preview-light");
  await page.getByRole("button", { name: "Close preview" }).click();
  await shot("completed-light");

  step("download the spreadsheet; its bytes equal the deliverable's");
  const [newest] = await api("/tasks?limit=1");
  const deliverables = await api(`/tasks/${newest.id}/deliverables`);
  const xlsx = deliverables.find((d) => d.name === "comparison.xlsx");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator('[data-deliverable="comparison.xlsx"]').getByRole("button", { name: "Download" }).click(),
  ]);
  if (download.suggestedFilename() !== "comparison.xlsx") throw new Error(`download name ${download.suggestedFilename()}`);
  const saved = await download.path();
  const sha = createHash("sha256").update(readFileSync(saved)).digest("hex");
  if (sha !== xlsx.sha256) throw new Error(`downloaded sha256 ${sha} != ${xlsx.sha256}`);

  step("deploy the CSV and open its staging URL as a visitor");
  const csvRow = page.locator('[data-deliverable="comparison.csv"]');
  await csvRow.getByRole("button", { name: "Deploy" }).click();
  const deployed = csvRow.getByTestId("deployment-url");
  await deployed.waitFor();
  const stagingUrl = await deployed.textContent();
  if (!stagingUrl?.includes("/d/dep-")) throw new Error(`deployment URL ${stagingUrl}`);
  // A deployment expires (30 days unless set otherwise), and says until when.
  const expiry = await csvRow.getByTestId("deployment-expiry").textContent({ timeout: 5000 });
  if (!expiry?.startsWith("until ")) throw new Error(`deployment expiry ${expiry}`);
  const visitor = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const staging = await visitor.newPage();
  const stagingResponse = await staging.goto(stagingUrl);
  if (stagingResponse?.status() !== 200) throw new Error(`staging page answered ${stagingResponse?.status()}`);
  await staging.getByRole("cell", { name: "Confluence" }).waitFor();
  await shot("staging-page", staging);

  step("share the spreadsheet with its replay and open the link as a visitor");
  const xlsxRow = page.locator('[data-deliverable="comparison.xlsx"]');
  await xlsxRow.getByRole("button", { name: "Share" }).click();
  await xlsxRow.getByLabel(/show how it was made/).check();
  await xlsxRow.getByRole("button", { name: "Create link" }).click();
  const shareUrl = await xlsxRow.getByTestId("share-url").inputValue();
  if (!/\/s\/[0-9a-f]{64}$/.test(shareUrl)) throw new Error(`share link ${shareUrl}`);
  const shared = await visitor.newPage();
  const sharedResponse = await shared.goto(shareUrl);
  if (sharedResponse?.status() !== 200) throw new Error(`share page answered ${sharedResponse?.status()}`);
  await shared.getByRole("cell", { name: "ClickUp" }).waitFor();
  await shared.getByRole("heading", { name: "How it was made" }).waitFor();
  await shared.getByRole("heading", { name: "Replay" }).waitFor();
  await shot("share-page", shared, { fullPage: true });
  await shot("deployed-shared-light");
  await visitor.close();

  step("cancel a second, running task");
  await prompt.fill(SLOW);
  await prompt.press("Enter");
  await page.locator('[role="treeitem"][data-status="running"]').first().waitFor({ timeout: 30_000 });
  await shot("running-light");
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.locator('[data-testid="task-status"][data-status="cancelled"]').waitFor({ timeout: 15_000 });
  const after = await page.locator('[role="treeitem"]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-status")));
  if (after.some((s) => s === "running" || s === "pending")) throw new Error(`subtasks still live after cancel: ${after}`);
  step(`cancelled; subtasks ${after.join(", ")}`);

  step("approve a command the agent may not run unasked");
  await prompt.fill("Check the machine this runs on");
  await prompt.press("Enter");
  const waiting = page.getByTestId("approvals-waiting");
  await waiting.waitFor({ timeout: 30_000 });
  await page.getByTestId("waiting-approval").waitFor();
  await waiting.getByRole("button", { name: "Review" }).click();
  const card = page.locator('[data-approval][data-status="pending"]');
  await card.getByText("uname -s").waitFor();
  await shot("approval-light");
  await card.getByRole("button", { name: "Approve" }).click();
  await page.locator('[data-testid="task-status"][data-status="completed"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-approval][data-status="approved"]').waitFor();
  if (await waiting.count()) throw new Error("the approval banner stayed after approving");
  step("approved; the task completed");

  step("a task with its own budget pauses at 80% of a limit; raise it, then stop");
  await page.getByRole("button", { name: /^Budget/ }).click();
  await page.getByLabel("Task cost").fill("1.25");
  await prompt.fill("Read every page you can find");
  await prompt.press("Enter");
  await page.getByTestId("budget-line").filter({ hasText: "$1.25" }).waitFor({ timeout: 15_000 });
  const paused = page.getByTestId("budget-paused");
  await paused.filter({ hasText: "10 steps of its limit of 12 steps" }).waitFor({ timeout: 30_000 });
  await shot("budget-paused-light");
  await paused.getByRole("button", { name: "Raise limit ×2" }).click();
  await page.getByTestId("budget-line").filter({ hasText: "24 steps" }).waitFor({ timeout: 15_000 });
  await paused.filter({ hasText: "20 steps of its limit of 24 steps" }).waitFor({ timeout: 30_000 });
  await paused.getByRole("button", { name: "Stop" }).click();
  await page.locator('[data-testid="task-status"][data-status="cancelled"]').waitFor({ timeout: 15_000 });
  await page.getByText("stopped by the user at its budget").first().waitFor();
  if (await paused.count()) throw new Error("the budget question stayed after stopping");
  step("raised once, then stopped; the reason is shown");

  step("two tasks of one kind compile into a skill; a third runs from it, as the prompt bar says");
  const kind = (n, x) => `Compare the top ${n} note apps like ${x} in a spreadsheet`;
  const made = [];
  for (const [n, x] of [[5, "Notion"], [3, "Coda"]]) made.push((await api("/tasks", { method: "POST", body: JSON.stringify({ prompt: kind(n, x) }) })).id);
  for (const id of made) {
    for (let i = 0; ; i++) {
      const t = await api(`/tasks/${id}`);
      if (t.status === "completed") break;
      if (t.status !== "running" && t.status !== "pending") throw new Error(`${id} ended ${t.status}`);
      if (i > 300) throw new Error(`${id} did not finish`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const skills = await api("/skills/compile", { method: "POST", body: JSON.stringify({ task_ids: made }) });
  if (skills.length !== 1) throw new Error(`expected one skill, got ${JSON.stringify(skills)}`);
  for (let i = 0; ; i++) {
    const s = await api(`/skills/${skills[0].id}`);
    if (s.status === "active") break;
    if (s.status !== "candidate" || i > 300) throw new Error(`the skill was not validated: ${JSON.stringify(s.validation)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await prompt.fill(kind(7, "Airtable"));
  await page.getByTestId("skill-suggestion").filter({ hasText: "subject = Airtable" }).waitFor({ timeout: 10_000 });
  await shot("skill-suggestion-light");
  await prompt.press("Enter");
  await page.getByTestId("skill-line").filter({ hasText: skills[0].name }).waitFor({ timeout: 15_000 });
  await page.locator('[data-testid="task-status"][data-status="completed"]').waitFor({ timeout: 30_000 });
  await shot("skill-run-light");
  step(`ran from skill ${skills[0].name}`);
  await prompt.fill("Make a spreadsheet comparing the top 4 note apps similar to Bear");
  await page.getByTestId("skill-suggestion").filter({ hasText: "Close to skill" }).waitFor({ timeout: 10_000 });
  await shot("skill-close-light");
  await prompt.press("Enter");
  await page.getByTestId("skill-line").filter({ hasText: "matched by the model" }).waitFor({ timeout: 15_000 });
  await page.locator('[data-testid="task-status"][data-status="completed"]').waitFor({ timeout: 30_000 });
  await shot("skill-model-match-light");
  step("a prompt worded otherwise ran from the skill, its values bound by a short model call");
  await page.getByRole("button", { name: "Skills", exact: true }).click();
  await page.getByRole("button", { name: skills[0].name }).click();
  await page.getByTestId("skill-saving").first().waitFor({ timeout: 10_000 });
  await shot("skills-light");
  await page.getByRole("button", { name: "Choose tasks…" }).click();
  await page.getByTestId("choose-tasks").getByRole("checkbox").first().check();
  await page.getByRole("button", { name: "Compile 1 selected" }).waitFor();
  await shot("skills-choose-light");
  await page.getByRole("button", { name: "Choose tasks…" }).click();

  step("page through history");
  for (let i = 0; i < 21; i++) await api("/tasks", { method: "POST", body: JSON.stringify({ prompt: `History filler ${i}` }) });
  await page.getByRole("button", { name: "History", exact: true }).click();
  await page.locator("tr[data-task]").nth(19).waitFor();
  if ((await page.locator("tr[data-task]").count()) !== 20) throw new Error("history's first page does not hold 20 tasks");
  await page.getByRole("button", { name: "Older →" }).click();
  await page.getByTestId("history-page").filter({ hasText: "Page 2" }).waitFor();
  await page.locator("tr[data-task]").first().waitFor();
  const second = await page.locator("tr[data-task]").count();
  if (second < 3) throw new Error(`history's second page holds ${second} tasks`);
  await page.getByRole("button", { name: "← Newer" }).click();
  await page.getByLabel("Search tasks").fill("filler 7");
  await page.waitForFunction(() => document.querySelectorAll("tr[data-task]").length === 1);
  await page.getByLabel("Search tasks").fill("");
  await page.waitForFunction(() => document.querySelectorAll("tr[data-task]").length === 20);
  await shot("history-light");

  step("settings");
  await page.getByRole("button", { name: "Settings", exact: true }).click();
  await page.getByTestId("default-model").waitFor();
  await shot("settings-light");
  step("settings: web access (the test allows its fixtures' 127.0.0.1)");
  const webAccess = page.getByTestId("fetch-allow");
  await webAccess.scrollIntoViewIfNeeded();
  if ((await webAccess.inputValue()) !== "127.0.0.1") {
    throw new Error(`the web access exceptions are the test's: ${await webAccess.inputValue()}`);
  }
  await shot("settings-web-access");

  if (shots) {
    step("dark theme");
    await page.getByLabel("Theme").selectOption("dark");
    await shot("settings-dark");
    await page.getByRole("button", { name: "History", exact: true }).click();
    await page.locator("tr[data-task]").first().waitFor();
    await shot("history-dark");
    await page.locator("tr[data-task]").last().waitFor();
    await page.getByRole("button", { name: new RegExp("Notion") }).first().click();
    await status.waitFor();
    await page.getByTitle("Preview comparison.xlsx").waitFor();
    await shot("completed-dark");
    await page.getByRole("button", { name: "+ New task" }).click();
    await shot("empty-dark");
  }
});
