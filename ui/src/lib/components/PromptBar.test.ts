import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import PromptBar from "./PromptBar.svelte";

describe("PromptBar", () => {
  it("is focused on open and submits the prompt with Enter", async () => {
    const onsubmit = vi.fn();
    render(PromptBar, { onsubmit });
    const input = screen.getByLabelText("Describe a task") as HTMLTextAreaElement;
    expect(document.activeElement).toBe(input);
    await fireEvent.input(input, { target: { value: "Compare three CRMs" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(onsubmit).toHaveBeenCalledWith("Compare three CRMs", null);
  });

  it("adds a line with Shift+Enter instead of submitting", async () => {
    const onsubmit = vi.fn();
    render(PromptBar, { onsubmit });
    const input = screen.getByLabelText("Describe a task");
    await fireEvent.input(input, { target: { value: "line one" } });
    await fireEvent.keyDown(input, { key: "Enter", shiftKey: true });
    expect(onsubmit).not.toHaveBeenCalled();
  });

  it("passes the workspace, ignores blank prompts, and shows errors where they happened", async () => {
    const onsubmit = vi.fn();
    render(PromptBar, { onsubmit, error: "the prompt is empty: describe the task" });
    const input = screen.getByLabelText("Describe a task");
    await fireEvent.input(input, { target: { value: "   " } });
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(onsubmit).not.toHaveBeenCalled();
    await fireEvent.input(screen.getByLabelText("Workspace"), { target: { value: "q3-board" } });
    await fireEvent.input(input, { target: { value: "Draft the deck" } });
    await fireEvent.click(screen.getByRole("button", { name: /Run/ }));
    expect(onsubmit).toHaveBeenCalledWith("Draft the deck", "q3-board");
    expect(screen.getByRole("alert").textContent).toContain("the prompt is empty");
  });

  it("takes focus back with Ctrl+K", async () => {
    render(PromptBar, { onsubmit: () => {} });
    const input = screen.getByLabelText("Describe a task");
    input.blur();
    expect(document.activeElement).not.toBe(input);
    await fireEvent.keyDown(window, { key: "k", ctrlKey: true });
    expect(document.activeElement).toBe(input);
  });
});
