import { describe, expect, it } from "vitest";
import { event, subtask, task } from "../../test/fixtures";
import { apply, newTaskView } from "./taskView";

const planned = (id: string, over: Record<string, unknown> = {}) => ({
  id, title: `Title of ${id}`, description: `Do ${id}`, agent_type: "researcher", depends_on: [] as string[], needs: [] as string[], ...over,
});

describe("a task view follows its living plan", () => {
  it("adds, changes, reruns and drops subtasks as revisions say, and notes why", () => {
    const view = newTaskView(task({ status: "running", subtasks: [
      subtask("st-1", { status: "complete", output: "done" }),
      subtask("st-2", { status: "failed", error: "no PDF" }),
      subtask("st-3", { status: "pending", depends_on: ["st-2"] }),
    ] }));
    apply(view, event({
      type: "plan_revised", revision: 1, by: "orchestrator", reason: "st-2 failed: no PDF; use the notes",
      diff: {
        added: [planned("st-4", { agent_type: "analyst", depends_on: ["st-2"] })],
        changed: [planned("st-2", { description: "Use the notes" })],
        dropped: ["st-3"],
        rerun: ["st-2"],
      },
    }));
    apply(view, event({ type: "subtask_reassigned", subtask_id: "st-4", from: "researcher", to: "analyst", reason: "it writes a spreadsheet" }));
    expect(view.task.revision).toBe(1);
    expect(view.revisions).toEqual(["replanned (1): st-2 failed: no PDF; use the notes"]);
    const [st1, st2, st3, st4] = view.subtasks;
    expect(st1!.subtask.status).toBe("complete");
    expect(st2!.subtask).toMatchObject({ status: "pending", description: "Use the notes", attempt: 2, error: null });
    expect(st3!.subtask).toMatchObject({ status: "cancelled", dropped: true });
    expect(st4!.subtask).toMatchObject({ id: "st-4", revision: 1, status: "pending" });
    expect(st4!.notes).toEqual(["added in revision 1", "moved to analyst: it writes a spreadsheet"]);
  });

  it("waits for review, records the check and the follow-up, and reopens a finished task", () => {
    const view = newTaskView(task({ status: "running" }));
    apply(view, event({ type: "plan_review_requested", revision: 0 }));
    expect(view.task.awaiting_review).toBe(true);
    apply(view, event({ type: "plan_approved", edited: true }));
    expect(view.task.awaiting_review).toBe(false);
    apply(view, event({ type: "result_checked", checked: ["table.csv"], unmet: ["table.csv has 2 rows; the task asks for 5"] }));
    apply(view, event({ type: "task_finished", status: "completed", error: null, total_tokens_used: 10, total_cost_cents: 1 }));
    expect(view.task.unmet).toEqual(["table.csv has 2 rows; the task asks for 5"]);
    apply(view, event({ type: "task_reopened", by: "follow_up", reason: "add a pricing column" }));
    apply(view, event({ type: "follow_up_received", follow_up: { id: "fu-1", message: "add a pricing column", revision: null, at: "2026-11-28T10:09:00Z" } }));
    expect(view.task.status).toBe("running");
    expect(view.task.unmet).toEqual([]);
    expect(view.task.follow_ups.map((f) => f.message)).toEqual(["add a pricing column"]);
    apply(view, event({
      type: "plan_revised", revision: 1, by: "follow_up", reason: "follow-up: add a pricing column",
      diff: { added: [planned("st-2", { agent_type: "analyst" })], changed: [], dropped: [], rerun: [] },
    }));
    expect(view.task.follow_ups[0]!.revision).toBe(1);
    expect(view.subtasks.find((s) => s.subtask.id === "st-2")!.notes).toEqual(['added for the follow-up "add a pricing column"']);
  });
});
