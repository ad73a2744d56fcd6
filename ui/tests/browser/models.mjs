// Browser end-to-end test of "How should Miteos think?", driven by tests/e2e/browser_models.rs (a
// fake Ollama, the packaged demo model, and a slow Hugging Face mirror behind the real API serving
// the built UI), with Debian's Chromium through playwright-core: the first-run card, a download in
// progress (paused, resumed, cancelled), choosing Ollama's model, the model picker in Settings and
// a price set there.
//
// Env: MITEOS_URL, MITEOS_TOKEN, MITEOS_SCREENSHOTS (optional folder for the views).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = process.env.MITEOS_URL;
const token = process.env.MITEOS_TOKEN;
const shots = process.env.MITEOS_SCREENSHOTS || null;
if (!base || !token) throw new Error("MITEOS_URL and MITEOS_TOKEN are required");
if (shots) mkdirSync(shots, { recursive: true });

const step = (name) => console.log(`· ${name}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
let failed = false;
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const shot = async (name) => {
    if (shots) await page.screenshot({ path: join(shots, `${name}.png`) });
  };

  step("the first run asks how Miteos should think");
  await page.goto(`${base}/#token=${token}`);
  const card = page.locator(".first-run");
  await card.getByRole("heading", { name: "How should Miteos think?" }).waitFor();
  const current = await card.getByTestId("current-model").textContent();
  if (!current.includes("SmolLM2") || !current.includes("cannot do real work")) {
    throw new Error(`the demo model is not labelled as a demo: ${current}`);
  }
  await card.getByText("ollama::qwen3:8b").waitFor();
  await card.getByText("ollama::llama3.2:3b").waitFor();
  await card.getByRole("button", { name: "Keep the built-in tiny model" }).waitFor();
  await shot("first-run-light");

  step("download the recommended model: progress, speed, time left");
  const recommended = card.locator(".model.highlight");
  await recommended.getByRole("button", { name: /^Download/ }).click();
  const status = recommended.getByTestId("download-status");
  await status.waitFor();
  await page.waitForFunction(
    () => /MB\/s/.test(document.querySelector('.model.highlight [data-testid="download-status"]')?.textContent ?? ""),
    null,
    { timeout: 20_000 },
  );
  await page.waitForFunction(
    () => (document.querySelector(".model.highlight progress")?.value ?? 0) > 2_000_000,
    null,
    { timeout: 20_000 },
  );
  await shot("download-light");

  step("pause keeps what it has; resume goes on; cancel deletes it");
  await recommended.getByRole("button", { name: "Pause" }).click();
  await recommended.getByRole("button", { name: "Resume" }).waitFor();
  if (!(await status.textContent()).includes("paused")) throw new Error("not shown as paused");
  const pausedAt = await recommended.locator("progress").evaluate((p) => p.value);
  await recommended.getByRole("button", { name: "Resume" }).click();
  await recommended.getByRole("button", { name: "Pause" }).waitFor();
  await page.waitForFunction(
    (before) => (document.querySelector(".model.highlight progress")?.value ?? 0) > before,
    pausedAt,
    { timeout: 20_000 },
  );
  await recommended.getByRole("button", { name: "Cancel" }).click();
  await recommended.getByRole("button", { name: /^Download/ }).waitFor({ timeout: 20_000 });

  step("use Ollama's model: the first run ends");
  await card.locator("li", { hasText: "ollama::qwen3:8b" }).getByRole("button", { name: "Use" }).click();
  await card.waitFor({ state: "detached" });

  step("Settings → Models: the model picker");
  await page.getByRole("button", { name: "Settings", exact: true }).click();
  const models = page.getByTestId("models-section");
  await models.getByText("ollama::qwen3:8b").first().waitFor();
  await page.getByTestId("open-model-setup").click();
  await models.getByRole("button", { name: /^All \d+ recommended models/ }).click();
  await models.getByText("Qwen3 4B").waitFor();
  await models.getByText("Llama 3.1 8B").waitFor();
  await models.scrollIntoViewIfNeeded();
  await shot("model-picker-light");

  step("set a price for a model without one");
  const prices = page.getByTestId("prices");
  await prices.getByLabel("Priced model").fill("openrouter::mystery/model-x");
  await prices.getByLabel("Input price").fill("2");
  await prices.getByLabel("Output price").fill("8");
  await prices.getByRole("button", { name: "Set price" }).click();
  await prices.locator("td", { hasText: "openrouter::mystery/model-x" }).waitFor();

  if (errors.length) throw new Error(`errors in the page: ${errors.join("; ")}`);
  step("passed");
} catch (e) {
  failed = true;
  console.error(`FAILED: ${e instanceof Error ? e.stack : e}`);
  if (page) {
    try {
      await page.screenshot({ path: join(process.env.TMPDIR ?? "/tmp", "miteos-models-failure.png") });
    } catch {
      // the page may be gone
    }
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
