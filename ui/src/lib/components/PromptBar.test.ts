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
    expect(onsubmit).toHaveBeenCalledWith("Compare three CRMs", null, [], null, true, false);
  });

  it("asks for the plan's review when Review plan is on", async () => {
    const onsubmit = vi.fn();
    render(PromptBar, { onsubmit });
    const input = screen.getByLabelText("Describe a task");
    await fireEvent.click(screen.getByRole("button", { name: /Budget/ }));
    await fireEvent.click(screen.getByTestId("review-toggle"));
    expect(screen.getByRole("button", { name: /Budget/ }).textContent).toContain("•");
    await fireEvent.input(input, { target: { value: "Plan a launch" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(onsubmit).toHaveBeenCalledWith("Plan a launch", null, [], null, true, true);
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
    expect(onsubmit).toHaveBeenCalledWith("Draft the deck", "q3-board", [], null, true, false);
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

  it("attaches documents from the native dialog and sends them with the prompt", async () => {
    const onsubmit = vi.fn();
    const pickFiles = vi.fn(async () => [{ name: "brief.pdf", size: null, path: "/home/me/brief.pdf" }]);
    render(PromptBar, { onsubmit, pickFiles });
    await fireEvent.click(screen.getByRole("button", { name: "Attach" }));
    expect(await screen.findByText("brief.pdf")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Attach" }));
    expect(screen.getAllByText("brief.pdf")).toHaveLength(1);
    const input = screen.getByLabelText("Describe a task");
    await fireEvent.input(input, { target: { value: "Summarise the brief" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(onsubmit).toHaveBeenCalledWith("Summarise the brief", null, [
      { name: "brief.pdf", size: null, path: "/home/me/brief.pdf" },
    ], null, true, false);
  });

  it("takes browser files through a file input, and a file can be removed", async () => {
    const onsubmit = vi.fn();
    render(PromptBar, { onsubmit });
    const files = [new File(["a,b\n1,2\n"], "data.csv", { type: "text/csv" }), new File(["x"], "notes.md")];
    await fireEvent.change(screen.getByTestId("attach-input"), { target: { files } });
    expect(await screen.findByText("data.csv")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Remove notes.md" }));
    const input = screen.getByLabelText("Describe a task");
    await fireEvent.input(input, { target: { value: "Chart it" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    const sent = onsubmit.mock.calls[0]![2];
    expect(sent.map((a: { name: string }) => a.name)).toEqual(["data.csv"]);
    expect(sent[0].blob).toBe(files[0]);
  });

  it("sends the task's budget: only the limits filled in, in cents and seconds", async () => {
    const onsubmit = vi.fn();
    render(PromptBar, { onsubmit });
    await fireEvent.click(screen.getByRole("button", { name: /Budget/ }));
    await fireEvent.input(screen.getByLabelText("Task cost"), { target: { value: "1.5" } });
    await fireEvent.input(screen.getByLabelText("Task minutes"), { target: { value: "10" } });
    const input = screen.getByLabelText("Describe a task");
    await fireEvent.input(input, { target: { value: "Compare CRMs" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(onsubmit).toHaveBeenCalledWith("Compare CRMs", null, [], { task: { cost_cents: 150, seconds: 600 } }, true, false);

    // Sent, the limits are cleared for the next task. One that is not a positive number is said
    // where it was typed; nothing is sent.
    expect(screen.queryByLabelText("Task cost")).toBeNull();
    onsubmit.mockClear();
    await fireEvent.click(screen.getByRole("button", { name: /Budget/ }));
    expect((screen.getByLabelText("Task cost") as HTMLInputElement).value).toBe("");
    await fireEvent.input(screen.getByLabelText("Task tokens"), { target: { value: "-5" } });
    await fireEvent.input(input, { target: { value: "Again" } });
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(onsubmit).not.toHaveBeenCalled();
    expect(screen.getByRole("alert").textContent).toContain("Tokens must be a number above 0");
  });

  it("says which skill a prompt would run from, and can plan afresh instead", async () => {
    const onsubmit = vi.fn();
    const matchSkill = vi.fn(async (p: string) =>
      p.includes("competitors")
        ? { skill_id: "sk-1", name: "competitors-feature-comparison", parameters: { count: "6", subject: "Coda" }, confidence: 1, bound_by: "pattern" as const }
        : null,
    );
    render(PromptBar, { onsubmit, matchSkill });
    const input = screen.getByLabelText("Describe a task");
    await fireEvent.input(input, { target: { value: "Research the top 6 SaaS competitors to Coda" } });
    const suggestion = await screen.findByTestId("skill-suggestion", {}, { timeout: 2000 });
    expect(suggestion.textContent).toContain("competitors-feature-comparison");
    expect(suggestion.textContent).toContain("subject = Coda");
    await fireEvent.click(screen.getByRole("button", { name: "Plan afresh instead" }));
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(onsubmit).toHaveBeenCalledWith("Research the top 6 SaaS competitors to Coda", null, [], null, false, false);
  });

  it("says when a prompt worded otherwise is only close to a skill", async () => {
    const matchSkill = vi.fn(async () => ({
      skill_id: "sk-1",
      name: "competitors-feature-comparison",
      parameters: {},
      confidence: 0.625,
      bound_by: "pending" as const,
    }));
    render(PromptBar, { onsubmit: vi.fn(), matchSkill });
    const input = screen.getByLabelText("Describe a task");
    await fireEvent.input(input, { target: { value: "Compare the 4 biggest SaaS rivals of Airtable" } });
    const suggestion = await screen.findByTestId("skill-suggestion", {}, { timeout: 2000 });
    const text = suggestion.textContent?.replace(/\s+/g, " ");
    expect(text).toContain("Close to skill competitors-feature-comparison (63% of its words)");
    expect(text).toContain("a short model call checks it when you run");
  });
});
