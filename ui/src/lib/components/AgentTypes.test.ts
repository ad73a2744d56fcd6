import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { mockBackend } from "../../test/fixtures";
import type { AgentType } from "../types/core";
import AgentTypes from "./AgentTypes.svelte";

const researcher: AgentType = {
  name: "researcher", description: "Finds facts", system_prompt: "Research.", tools: ["fetch_url"],
  model: null, fallback_model: null, builtin: true,
};

describe("AgentTypes", () => {
  it("adds an agent type with the chosen tools", async () => {
    const createAgentType = vi.fn(async (input) => ({ ...input, builtin: false }));
    const backend = mockBackend({ agentTypes: vi.fn(async () => [researcher]), createAgentType });
    render(AgentTypes, { backend });
    await fireEvent.click(await screen.findByRole("button", { name: "+ New agent type" }));
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "editor" } });
    await fireEvent.input(screen.getByLabelText(/What it is good at/), { target: { value: "Edits prose" } });
    await fireEvent.input(screen.getByLabelText("System prompt"), { target: { value: "Edit." } });
    await fireEvent.click(screen.getByLabelText("write_file"));
    await fireEvent.click(screen.getByRole("button", { name: "Add" }));
    expect(createAgentType).toHaveBeenCalledWith({
      name: "editor", description: "Edits prose", system_prompt: "Edit.", tools: ["write_file"], model: null, fallback_model: null,
    });
  });

  it("edits a built-in but offers no Delete for it, and shows refusals", async () => {
    const updateAgentType = vi.fn(async () => {
      throw new Error("\"rockets\" is not a tool");
    });
    const backend = mockBackend({ agentTypes: vi.fn(async () => [researcher]), updateAgentType });
    render(AgentTypes, { backend });
    await fireEvent.click(await screen.findByRole("button", { name: "Edit researcher" }));
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(updateAgentType).toHaveBeenCalledWith("researcher", expect.objectContaining({ tools: ["fetch_url"] }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("not a tool"));
  });
});
