import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { event, subtask, task } from "../../test/fixtures";
import TaskTree from "../components/TaskTree.svelte";
import { apply, fanOutProgress, newTaskView, plannedSubtasks } from "./taskView";

const item = (n: number) => ({
  id: `st-${n + 2}`, title: `Supplier ${n}`, description: `Do Supplier ${n}`, agent_type: "researcher",
  depends_on: [] as string[], needs: [] as string[], parent: "st-2", item: `Supplier ${n}`,
});

/** st-1 listed 4 suppliers; st-2 fanned out over them: 1 merged, 1 missing, 1 running, 1 waiting. */
function fannedOut() {
  const view = newTaskView(task({ status: "running", subtasks: [
    subtask("st-1", { status: "complete", output: "1. Supplier 1" }),
    subtask("st-2", { status: "running", depends_on: ["st-1"], for_each: { items: [], from: "st-1", columns: ["Country", "Founded"] } }),
  ] }));
  apply(view, event({
    type: "plan_revised", revision: 1, by: "fan_out", reason: "st-2 fans out over 4 items from st-1's result",
    diff: { added: [1, 2, 3, 4].map(item), changed: [], dropped: [], rerun: [] },
  }));
  for (const id of ["st-3", "st-4", "st-5"]) apply(view, event({ type: "subtask_started", subtask_id: id, agent_type: "researcher", model: "m" }));
  apply(view, event({ type: "subtask_finished", subtask_id: "st-3", status: "complete", error: null, output: "{}" }));
  apply(view, event({
    type: "item_merged", subtask_id: "st-2", child_id: "st-3", item: "Supplier 1",
    values: ["Germany", "1886"], sources: ["https://bosch.example/about", "https://registry.example/1"], missing: null,
  }));
  apply(view, event({ type: "subtask_finished", subtask_id: "st-4", status: "failed", error: "HTTP 400" }));
  apply(view, event({
    type: "item_merged", subtask_id: "st-2", child_id: "st-4", item: "Supplier 2",
    values: ["", ""], sources: [], missing: "failed after 3 attempts: HTTP 400",
  }));
  return view;
}

describe("a fan-out in the War Room", () => {
  it("keeps its items under it, counts them and gathers their rows", () => {
    const view = fannedOut();
    expect(view.revisions).toEqual(["fan-out (1): st-2 fans out over 4 items from st-1's result"]);
    expect(plannedSubtasks(view).map((s) => s.subtask.id)).toEqual(["st-1", "st-2"]);
    expect(fanOutProgress(view, "st-2").summary).toBe("4 researchers: 1 done, 1 running, 1 failed, 1 waiting");
    const fanOut = view.subtasks.find((s) => s.subtask.id === "st-2")!;
    expect(fanOut.rows.map((r) => r.item)).toEqual(["Supplier 1", "Supplier 2"]);
    expect(view.subtasks.find((s) => s.subtask.id === "st-3")!.notes).toEqual([]);
    // An item's retry is told on the item, not among the plan's revisions.
    apply(view, event({
      type: "plan_revised", revision: 2, by: "fan_out", reason: "Supplier 2 (st-4) failed: HTTP 400; trying it again (attempt 2 of 3)",
      diff: { added: [], changed: [], dropped: [], rerun: ["st-4"] },
    }));
    expect(view.revisions).toHaveLength(1);
    const st4 = view.subtasks.find((s) => s.subtask.id === "st-4")!;
    expect(st4.notes).toEqual(["Supplier 2 (st-4) failed: HTTP 400; trying it again (attempt 2 of 3)"]);
    expect(st4.subtask).toMatchObject({ status: "pending", attempt: 2 });
    expect(view.subtasks.find((s) => s.subtask.id === "st-2")!.rows.map((r) => r.item)).toEqual(["Supplier 1"]);
  });

  it("shows one node with a progress bar, a grid of items and the table filling in", async () => {
    const onselect = vi.fn();
    render(TaskTree, { view: fannedOut(), selected: null, onselect, now: Date.parse("2026-11-28T10:03:00Z") });
    expect(screen.getAllByRole("treeitem")).toHaveLength(2);
    expect(screen.getByTestId("fan-out-summary").textContent).toBe("4 researchers: 1 done, 1 running, 1 failed, 1 waiting");
    expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("2");
    const rows = screen.getByTestId("fan-out-table").querySelectorAll("tbody tr");
    expect([...rows].map((r) => r.getAttribute("data-row-state"))).toEqual(["done", "missing", "running", "pending"]);
    expect(rows[0]!.textContent).toContain("Germany");
    expect(rows[0]!.textContent).toContain("bosch.example");
    expect(rows[1]!.textContent).toContain("missing: failed after 3 attempts");
    await fireEvent.click(screen.getByLabelText("Supplier 3: running"));
    expect(onselect).toHaveBeenCalledWith("st-5");
    await fireEvent.click(screen.getByRole("button", { expanded: true }));
    expect(screen.queryByTestId("fan-out-table")).toBeNull();
  });
});
