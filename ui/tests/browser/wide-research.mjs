// Browser end-to-end test of wide research in the War Room, driven by tests/e2e/browser_wide.rs
// (a scripted model behind the real API serving the built UI), with Debian's Chromium through
// playwright-core: a fan-out over 24 suppliers shows as one node with a progress bar, a grid of
// its items and the merged table filling in; at the end the table has a row per item, the one
// that kept failing marked missing, and the merged spreadsheet is a deliverable.
//
// Env: MITEOS_URL, MITEOS_TOKEN, MITEOS_SCREENSHOTS (optional folder for the views).
import { api, base, inBrowser, step, token } from "./harness.mjs";

await inBrowser("wide-research", { viewport: { width: 1280, height: 900 } }, async ({ page, shot }) => {
  await page.goto(`${base}/#token=${token}`);
  const prompt = page.getByLabel("Describe a task");
  await prompt.waitFor();

  step("the fan-out runs as one node: progress bar, grid and a table filling in");
  await prompt.fill("Profile each of our 24 suppliers");
  await prompt.press("Enter");
  const fanOut = page.locator('[data-fan-out="st-2"]');
  await fanOut.waitFor({ timeout: 30_000 });
  const summary = fanOut.getByTestId("fan-out-summary");
  await summary.getByText(/^24 researchers: [1-9]\d* done, \d+ running/).waitFor({ timeout: 30_000 });
  const running = await fanOut.locator('[data-item-status="running"]').count();
  if (running < 5) throw new Error(`only ${running} items ran at once; the provider allows 8`);
  await page.locator('[data-subtask="st-2"] .title').click();
  await shot("fan-out-running-light");

  step("it finishes: a row per item, the failing one missing, the merged spreadsheet delivered");
  await page.locator('[data-testid="task-status"][data-status="completed"]').waitFor({ timeout: 60_000 });
  await summary.getByText("24 researchers: 23 done, 1 failed").waitFor();
  const rows = fanOut.locator("tbody tr");
  if ((await rows.count()) !== 24) throw new Error(`the table has ${await rows.count()} rows`);
  if ((await fanOut.locator('tr[data-row-state="done"]').count()) !== 23) throw new Error("not 23 rows done");
  await fanOut.locator('tr[data-row-state="missing"]').getByText(/^missing: failed after 3 attempts/).waitFor();
  await fanOut.locator("tbody tr").first().getByText("suppliers.example").waitFor();
  await page.locator('[data-deliverable="suppliers.xlsx"]').waitFor();
  await page.locator('[data-subtask="st-2"] .title').click();
  const [task] = await api("/tasks?limit=1");
  if (task.subtasks.filter((s) => s.parent === "st-2").length !== 24) throw new Error("not 24 items in the API");
  await shot("fan-out-finished-light");

  step("an item opens in the detail panel from the grid");
  await fanOut.getByLabel("Lear: failed").click();
  await page.getByText("attempt 3", { exact: true }).waitFor();

  step("the node collapses");
  await fanOut.getByRole("button", { expanded: true }).click();
  await fanOut.getByTestId("fan-out-table").waitFor({ state: "detached" });
});
