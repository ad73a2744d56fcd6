import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { subtask, task } from "../../test/fixtures";
import { newTaskView } from "../state/taskView";
import TaskTree from "./TaskTree.svelte";

const now = Date.parse("2026-11-28T10:03:00Z");

function view() {
  const v = newTaskView(
    task({
      subtasks: [
        subtask("st-1", { status: "complete", started_at: "2026-11-28T10:00:00Z", finished_at: "2026-11-28T10:01:04Z" }),
        subtask("st-2", { agent_type: "analyst", status: "running", depends_on: ["st-1"], started_at: "2026-11-28T10:02:29Z" }),
        subtask("st-3", { agent_type: "builder", status: "failed", depends_on: ["st-2"], error: "the model stopped answering" }),
      ],
    }),
  );
  // Counters come from the replayed usage events; set the result directly here.
  v.subtasks[0]!.subtask.tokens_used = 1204;
  return v;
}

describe("TaskTree", () => {
  it("shows each subtask's state, agent type, dependencies, timing and tokens", () => {
    render(TaskTree, { view: view(), selected: null, onselect: () => {}, now });
    const rows = screen.getAllByRole("treeitem");
    expect(rows).toHaveLength(3);
    expect(rows[0]!.textContent).toContain("researcher");
    expect(rows[0]!.textContent).toContain("1m04s");
    expect(rows[0]!.textContent).toContain("1,204 tok");
    expect(rows[1]!.textContent).toContain("depends on st-1");
    expect(rows[1]!.textContent).toContain("0m31s");
    expect(screen.getByLabelText("failed").textContent).toBe("✗");
    expect(rows[2]!.textContent).toContain("the model stopped answering");
  });

  it("moves with the arrow keys and opens a node with Enter", async () => {
    const onselect = vi.fn();
    render(TaskTree, { view: view(), selected: null, onselect, now });
    const rows = screen.getAllByRole("treeitem");
    rows[0]!.focus();
    await fireEvent.keyDown(rows[0]!, { key: "ArrowDown" });
    expect(document.activeElement).toBe(rows[1]);
    await fireEvent.keyDown(rows[1]!, { key: "Enter" });
    expect(onselect).toHaveBeenCalledWith("st-2");
    await fireEvent.keyDown(rows[1]!, { key: "End" });
    expect(document.activeElement).toBe(rows[2]);
  });

  it("says the plan is coming while a task has no subtasks yet", () => {
    render(TaskTree, { view: newTaskView(task({ status: "pending" })), selected: null, onselect: () => {}, now });
    expect(screen.getByText(/Planning/)).toBeTruthy();
  });
});
