import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { mockBackend } from "../../test/fixtures";
import type { KeyState, Settings, SettingsUpdate } from "../types/core";
import SettingsView from "./Settings.svelte";

const key = (name: string, over: Partial<KeyState> = {}): KeyState => ({
  name, saved: false, from_env: false, hint: null, ...over,
});

function settings(over: Partial<Settings> = {}): Settings {
  return {
    providers: { model: null, openai_base_url: null, anthropic_base_url: null, ollama_host: null, emulate_tools: false, light_model: null },
    keys: ["openai_api_key", "anthropic_api_key", "openrouter_api_key", "brave_api_key", "tavily_api_key"].map((n) => key(n)),
    search: { provider: "none", url: null },
    search_error: null,
    shell_allow: ["cat", "ls", "wc"],
    fetch_allow: [],
    on_quit: "resume",
    budget: {
      task: { tokens: 2_000_000, cost_cents: 500, steps: 100, seconds: 3600 },
      subtask: { tokens: 500_000, cost_cents: null, steps: 12, seconds: 1200 },
    },
    key_store: "the OS keyring",
    default_model: "local::SmolLM2",
    default_model_error: null,
    max_concurrency: 4,
    api: { host: "127.0.0.1", port: 7411 },
    staging: { lan: false, port: 7412 },
    staging_url: "http://127.0.0.1:7412",
    staging_lan_url: null,
    plan: { review: "never", max_revisions: 2, provider_calls: 8 },
    skills: { compile_after: 2 },
    ...over,
  };
}

describe("Settings", () => {
  it("tells a member of a team's server that its settings are the admins' to change", async () => {
    const backend = mockBackend({
      settings: vi.fn(async () => settings()),
      signedIn: vi.fn(async () => ({ name: "Ada", admin: false })),
    });
    render(SettingsView, { backend });
    expect((await screen.findByTestId("admins-settings")).textContent).toContain("only an admin");
    expect((screen.getByRole("button", { name: /Save settings/ }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("lets an admin of a team's server change them", async () => {
    const backend = mockBackend({
      settings: vi.fn(async () => settings()),
      signedIn: vi.fn(async () => ({ name: "Root", admin: true })),
    });
    render(SettingsView, { backend });
    await screen.findByLabelText(/OpenAI API key/);
    expect(screen.queryByTestId("admins-settings")).toBeNull();
    expect((screen.getByRole("button", { name: /Save settings/ }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows only the model keys until a search provider that needs one is chosen", async () => {
    const backend = mockBackend({ settings: vi.fn(async () => settings()) });
    render(SettingsView, { backend });
    await screen.findByLabelText(/OpenAI API key/);
    expect(screen.queryByLabelText(/Brave Search API key/)).toBeNull();
    expect(screen.queryByTestId("search-url")).toBeNull();
    await fireEvent.change(screen.getByTestId("search-provider"), { target: { value: "brave" } });
    expect(await screen.findByLabelText(/Brave Search API key/)).toBeTruthy();
    expect(screen.queryByLabelText(/Tavily API key/)).toBeNull();
  });

  it("saves the search provider, its address and its key", async () => {
    const saveSettings = vi.fn(async (_update: SettingsUpdate) =>
      settings({ search: { provider: "tavily", url: null }, keys: [key("tavily_api_key", { saved: true, hint: "6789" })] }),
    );
    const backend = mockBackend({ settings: vi.fn(async () => settings()), saveSettings });
    render(SettingsView, { backend });
    await fireEvent.change(await screen.findByTestId("search-provider"), { target: { value: "tavily" } });
    await fireEvent.input(await screen.findByLabelText(/Tavily API key/), { target: { value: " tvly-abc-6789 " } });
    await fireEvent.click(screen.getByRole("button", { name: /Save/ }));
    await waitFor(() => expect(saveSettings).toHaveBeenCalled());
    const update = saveSettings.mock.calls[0]![0];
    expect(update.search).toEqual({ provider: "tavily", url: null });
    expect(update.keys).toEqual([{ name: "tavily_api_key", value: "tvly-abc-6789" }]);
    expect(update.shell_allow).toEqual(["cat", "ls", "wc"]);
  });

  it("says why the configured search cannot be used", async () => {
    const backend = mockBackend({
      settings: vi.fn(async () =>
        settings({ search: { provider: "brave", url: null }, search_error: "brave search needs an API key (brave_api_key)" }),
      ),
    });
    render(SettingsView, { backend });
    expect(await screen.findByText(/needs an API key/)).toBeTruthy();
  });

  it("edits the shell allow-list", async () => {
    const saveSettings = vi.fn(async (_update: SettingsUpdate) => settings());
    const backend = mockBackend({ settings: vi.fn(async () => settings()), saveSettings });
    render(SettingsView, { backend });
    const list = (await screen.findByTestId("shell-allow")) as HTMLTextAreaElement;
    expect(list.value).toBe("cat ls wc");
    await fireEvent.input(list, { target: { value: "cat ls,\ngit  python3" } });
    await fireEvent.click(screen.getByRole("button", { name: /Save/ }));
    await waitFor(() => expect(saveSettings).toHaveBeenCalled());
    expect(saveSettings.mock.calls[0]![0].shell_allow).toEqual(["cat", "ls", "git", "python3"]);
    expect(saveSettings.mock.calls[0]![0].on_quit).toBe("resume");
  });

  it("lists the places agents may read besides the public web", async () => {
    const saveSettings = vi.fn(async (_update: SettingsUpdate) => settings());
    const backend = mockBackend({ settings: vi.fn(async () => settings()), saveSettings });
    render(SettingsView, { backend });
    const list = (await screen.findByTestId("fetch-allow")) as HTMLTextAreaElement;
    expect(list.value).toBe("");
    await fireEvent.input(list, { target: { value: "wiki.corp.example\n10.1.0.0/16, *.intra.example" } });
    await fireEvent.click(screen.getByRole("button", { name: /Save/ }));
    await waitFor(() => expect(saveSettings).toHaveBeenCalled());
    expect(saveSettings.mock.calls[0]![0].fetch_allow).toEqual(["wiki.corp.example", "10.1.0.0/16", "*.intra.example"]);
  });

  it("sets a price for a model and lists the user's prices", async () => {
    const setPrice = vi.fn(async () => [
      { model: "openrouter::mystery/model-x", input: 2, output: 8, source: "user", fetched_at: null },
    ]);
    const backend = mockBackend({ settings: vi.fn(async () => settings()), setPrice });
    render(SettingsView, { backend });
    await fireEvent.input(await screen.findByLabelText("Priced model"), { target: { value: "openrouter::mystery/model-x" } });
    await fireEvent.input(screen.getByLabelText("Input price"), { target: { value: "2" } });
    await fireEvent.input(screen.getByLabelText("Output price"), { target: { value: "8" } });
    await fireEvent.click(screen.getByRole("button", { name: "Set price" }));
    await waitFor(() => expect(setPrice).toHaveBeenCalledWith({ model: "openrouter::mystery/model-x", input: 2, output: 8 }));
    expect(await screen.findByRole("cell", { name: "openrouter::mystery/model-x" })).toBeTruthy();
  });
});
