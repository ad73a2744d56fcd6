import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { mockBackend } from "../../test/fixtures";
import { BackendError } from "../backend";
import type { Catalog, CatalogModel, Download, ModelSetup } from "../types/core";
import ModelSetupView from "./ModelSetup.svelte";

const model = (name: string, over: Partial<CatalogModel> = {}): CatalogModel => ({
  name,
  title: name,
  family: "Qwen3",
  parameters_b: 1.7,
  url: `https://huggingface.co/x/${name}.gguf`,
  size_bytes: 1_800_000_000,
  sha256: null,
  memory_gb: 2.5,
  context: 32768,
  tool_calling: "good",
  licence: "Apache-2.0",
  notes: "Plans and calls tools.",
  ...over,
});

const catalog: Catalog = {
  machine: { memory_bytes: 24e9, cores: 2, free_disk_bytes: 50e9 },
  models: [
    { model: model("Qwen3-1.7B-Q8_0", { title: "Qwen3 1.7B" }), installed: false, fits: true, pick: "medium" },
    { model: model("Qwen3-4B-Q4_K_M", { title: "Qwen3 4B" }), installed: false, fits: true, pick: "large" },
  ],
  recommended: "Qwen3-1.7B-Q8_0",
  models_dir: "/home/me/.local/share/miteos/models",
};

const setup = (over: Partial<ModelSetup> = {}): ModelSetup => ({
  keys: [],
  servers: [{ kind: "ollama", url: "http://127.0.0.1:11434", models: ["ollama::qwen3:8b"] }],
  local: [{ model: "local::SmolLM2-135M-Instruct.Q4_1", size_bytes: 98_000_000, demo: true }],
  current: "local::SmolLM2-135M-Instruct.Q4_1",
  current_is_demo: true,
  chosen: false,
  ...over,
});

const running = (done: number): Download => ({
  name: "Qwen3-1.7B-Q8_0",
  url: "https://huggingface.co/x/Qwen3-1.7B-Q8_0.gguf",
  state: "running",
  done_bytes: done,
  total_bytes: 1_800_000_000,
  bytes_per_second: 12_500_000,
  seconds_left: 72,
  error: null,
});

describe("ModelSetup", () => {
  it("says the demo model cannot do real work and offers what the machine has", async () => {
    const chooseModel = vi.fn(async () => setup({ current: "ollama::qwen3:8b", current_is_demo: false, chosen: true }));
    const onclose = vi.fn();
    const backend = mockBackend({
      modelSetup: vi.fn(async () => setup()),
      modelCatalog: vi.fn(async () => catalog),
      chooseModel,
    });
    render(ModelSetupView, { backend, firstRun: true, onclose });
    expect((await screen.findByTestId("current-model")).textContent).toContain("cannot do real work");
    expect(screen.getByText("ollama::qwen3:8b")).toBeTruthy();
    expect(screen.getByTestId("catalog-Qwen3-1.7B-Q8_0").textContent).toContain("medium pick");
    expect(screen.queryByTestId("catalog-Qwen3-4B-Q4_K_M"), "the others wait behind 'All models'").toBeNull();
    await fireEvent.click(screen.getAllByRole("button", { name: "Use" })[0]!);
    await waitFor(() =>
      expect(chooseModel).toHaveBeenCalledWith({ model: "ollama::qwen3:8b", ollama_host: "http://127.0.0.1:11434" }),
    );
    expect(onclose, "the first run ends with the choice").toHaveBeenCalled();
  });

  it("shows a download's progress, speed and time left, and pauses it", async () => {
    const pauseDownload = vi.fn(async () => ({ ...running(900_000_000), state: "paused" as const }));
    const backend = mockBackend({
      modelSetup: vi.fn(async () => setup()),
      modelCatalog: vi.fn(async () => catalog),
      modelDownloads: vi.fn(async () => [running(900_000_000)]),
      pauseDownload,
    });
    render(ModelSetupView, { backend });
    const status = await screen.findByTestId("download-status");
    expect(status.textContent).toContain("900 MB of 1.8 GB");
    expect(status.textContent).toContain("12.5 MB/s");
    expect(status.textContent).toContain("72 s left");
    expect((screen.getByRole("progressbar") as HTMLProgressElement).value).toBe(900_000_000);
    await fireEvent.click(screen.getByRole("button", { name: "Pause" }));
    await waitFor(() => expect(pauseDownload).toHaveBeenCalledWith("Qwen3-1.7B-Q8_0"));
    expect((await screen.findByTestId("download-status")).textContent).toContain("paused");
    expect(screen.getByRole("button", { name: "Resume" })).toBeTruthy();
  });

  it("checks a pasted key and says when the provider refuses it", async () => {
    const chooseModel = vi.fn(async () => {
      throw new BackendError("invalid_input", "openai refused the key (HTTP 401)");
    });
    const backend = mockBackend({
      modelSetup: vi.fn(async () => setup()),
      modelCatalog: vi.fn(async () => catalog),
      chooseModel,
    });
    render(ModelSetupView, { backend });
    await screen.findByTestId("current-model");
    await fireEvent.input(screen.getByLabelText("API key"), { target: { value: "sk-test" } });
    await fireEvent.click(screen.getByRole("button", { name: "Check and use" }));
    await waitFor(() =>
      expect(chooseModel).toHaveBeenCalledWith({ model: "openai::gpt-4.1-mini", api_key: "sk-test" }),
    );
    expect((await screen.findByRole("alert")).textContent).toContain("refused the key");
  });
});
