import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { subtask, task } from "../../test/fixtures";
import { newTaskView } from "../state/taskView";
import SubtaskDetail from "./SubtaskDetail.svelte";

function steer(over: Record<string, unknown> = {}) {
  return {
    reviewing: false,
    running: false,
    onrun: vi.fn(async () => {}),
    oncancel: vi.fn(async () => {}),
    onremove: vi.fn(async () => {}),
    agentTypes: ["researcher", "analyst", "builder"],
    ...over,
  };
}

describe("SubtaskDetail's actions", () => {
  it("retries a failed subtask, or reruns it with new instructions and another agent type", async () => {
    const view = newTaskView(task({ status: "failed", subtasks: [subtask("st-2", { status: "failed", error: "no PDF" })] }));
    const actions = steer();
    render(SubtaskDetail, { s: view.subtasks[0]!, now: Date.now(), steer: actions });
    await fireEvent.click(screen.getByTestId("retry-subtask"));
    expect(actions.onrun).toHaveBeenCalledWith(null);
    await fireEvent.click(screen.getByTestId("edit-subtask"));
    await fireEvent.input(screen.getByTestId("subtask-instructions"), { target: { value: "Use the notes." } });
    const select = screen.getByTestId("subtask-agent-type") as HTMLSelectElement;
    select.value = "analyst";
    await fireEvent.change(select);
    await fireEvent.click(screen.getByTestId("save-subtask"));
    expect(actions.onrun).toHaveBeenLastCalledWith("Use the notes.", "analyst");
  });

  it("under review edits and removes a pending subtask, and a running task's subtask can be stopped alone", async () => {
    const view = newTaskView(task({ awaiting_review: true, subtasks: [subtask("st-1")] }));
    const actions = steer({ reviewing: true, running: true });
    const { unmount } = render(SubtaskDetail, { s: view.subtasks[0]!, now: Date.now(), steer: actions });
    expect(screen.getByTestId("edit-subtask").textContent).toBe("Edit");
    expect(screen.queryByTestId("cancel-subtask")).toBeNull();
    await fireEvent.click(screen.getByTestId("remove-subtask"));
    expect(actions.onremove).toHaveBeenCalledOnce();
    unmount();
    const running = newTaskView(task({ subtasks: [subtask("st-1", { status: "running" })] }));
    const live = steer({ running: true });
    render(SubtaskDetail, { s: running.subtasks[0]!, now: Date.now(), steer: live });
    await fireEvent.click(screen.getByRole("button", { name: "Stop this subtask only" }));
    expect(live.oncancel).toHaveBeenCalledOnce();
  });
});
