// Browser end-to-end test of skills, driven by tests/e2e/browser_skills.rs (a scripted model
// behind the real API serving the built UI; two tasks of one kind already completed), with
// Debian's Chromium through playwright-core: the War Room offers the skill the compiler made by
// itself, a .skill file is imported on the Skills page, a task's builder loads the skill (shown
// on its subtask) and runs its script after approval, and the library shows where each skill
// came from and how often it was used.
//
// Env: MITEOS_URL, MITEOS_TOKEN, SKILL_ARCHIVE (a .skill file), MITEOS_SCREENSHOTS (optional).
import { readFileSync } from "node:fs";
import { base, inBrowser, step, token } from "./harness.mjs";

const archive = process.env.SKILL_ARCHIVE;
if (!archive) throw new Error("SKILL_ARCHIVE is required");

await inBrowser("skills", { viewport: { width: 1280, height: 860 } }, async ({ page, shot }) => {
  step("the War Room offers the skill the compiler made by itself");
  await page.goto(`${base}/#token=${token}`);
  const offer = page.getByTestId("skill-offer");
  await offer.waitFor({ timeout: 20_000 });
  const said = await offer.textContent();
  if (!/2 tasks like this → skill ready; it saved \d+% of the tokens on its validation run/.test(said)) {
    throw new Error(`the offer says: ${said}`);
  }
  await shot("skill-offer-light");
  await offer.getByRole("button", { name: "Keep" }).click();
  await offer.waitFor({ state: "detached" });

  step("import a .skill file on the Skills page");
  await page.getByRole("button", { name: "Skills" }).click();
  await page.getByTestId("skill-file-input").setInputFiles(archive);
  const notice = page.getByRole("status").filter({ hasText: "Imported brand-guidelines" });
  await notice.waitFor();
  const card = page.locator('li[data-kind="instructions"]');
  await card.getByText("imported from brand-guidelines.skill").waitFor();
  await card.getByRole("button", { name: "brand-guidelines" }).click();
  await card.getByText("Acme Navy").first().waitFor();
  await shot("skill-import-light");

  step("a task whose builder loads the skill and runs its script after approval");
  await page.getByRole("button", { name: "+ New task" }).click();
  const prompt = page.getByLabel("Describe a task");
  await prompt.fill("Prepare Acme's product launch one-pager");
  await prompt.press("Enter");
  await page.getByTestId("tree-skill").filter({ hasText: "skill: brand-guidelines" }).waitFor({ timeout: 20_000 });
  const waiting = page.getByTestId("approvals-waiting");
  await waiting.waitFor({ timeout: 30_000 });
  await waiting.getByRole("button", { name: "Review" }).click();
  const approval = page.locator('[data-approval][data-status="pending"]');
  await approval.getByText("check_brand.sh").first().waitFor();
  await approval.getByRole("button", { name: "Approve" }).click();
  await page.locator('[data-testid="task-status"][data-status="completed"]').waitFor({ timeout: 30_000 });
  await page.locator('li[data-subtask="st-1"]').click();
  const followed = page.getByTestId("subtask-skill");
  await followed.waitFor();
  const text = await followed.textContent();
  if (!text.includes("brand-guidelines") || !text.includes("references/palette.md")) {
    throw new Error(`the subtask says: ${text}`);
  }
  await shot("skill-loaded-light");

  step("the library: where each skill came from, how often it was used, search");
  await page.getByRole("button", { name: "Skills" }).click();
  await page.locator('li[data-kind="instructions"]', { hasText: "loaded 1×" }).waitFor();
  await page.locator('li[data-kind="recipe"]', { hasText: "compiled by itself from 2 tasks" }).waitFor();
  await shot("skill-library-light");
  await page.getByLabel("Search skills").fill("typography");
  await page.locator('li[data-kind="recipe"]').waitFor({ state: "detached" });

  step("a .skill file dropped on the page imports the skill's next version");
  const dropped = await page.evaluateHandle((b64) => {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const data = new DataTransfer();
    data.items.add(new File([bytes], "brand-guidelines.skill", { type: "application/zip" }));
    return data;
  }, readFileSync(archive).toString("base64"));
  await page.dispatchEvent("section.skills", "drop", { dataTransfer: dropped });
  await page.getByRole("status").filter({ hasText: "Imported brand-guidelines v2" }).waitFor();
});
