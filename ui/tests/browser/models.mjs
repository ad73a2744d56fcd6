// Browser end-to-end test of "How should Miteos think?", driven by tests/e2e/browser_models.rs (a
// fake Ollama, the packaged demo model, and a slow Hugging Face mirror behind the real API serving
// the built UI), with Debian's Chromium through playwright-core: the first-run card, a download in
// progress (paused, resumed, cancelled), choosing Ollama's model, the model picker in Settings and
// a price set there.
//
// Env: MITEOS_URL, MITEOS_TOKEN, MITEOS_SCREENSHOTS (optional folder for the views).
import { base, inBrowser, step, token } from "./harness.mjs";

await inBrowser("models", { viewport: { width: 1280, height: 860 } }, async ({ page, shot }) => {
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
});
