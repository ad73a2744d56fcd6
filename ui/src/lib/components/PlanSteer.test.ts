import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { subtask, task } from "../../test/fixtures";
import { BackendError, toBackendError } from "../backend/backend";
import { newTaskView } from "../state/taskView";
import PlanSteer from "./PlanSteer.svelte";

const noEdits = () => ({ change: [], add: [], drop: [], retry: [], rerun: [] });

describe("PlanSteer", () => {
  it("asks to approve a plan under review, counting the edits made", async () => {
    const onapprove = vi.fn(async () => {});
    const view = newTaskView(task({ awaiting_review: true, subtasks: [subtask("st-1")] }));
    render(PlanSteer, {
      view,
      edits: { ...noEdits(), change: [{ id: "st-1", description: "Only primary sources" }], drop: ["st-2"] },
      onapprove,
      onfollowup: vi.fn(),
    });
    expect(screen.getByTestId("review-edits").textContent).toContain("2 edits");
    await fireEvent.click(screen.getByRole("button", { name: "Apply edits and run" }));
    expect(onapprove).toHaveBeenCalledOnce();
  });

  it("takes a follow-up under a finished task and lists what was left unmet", async () => {
    const onfollowup = vi.fn(async () => {});
    const view = newTaskView(task({ status: "completed", unmet: ["chart.svg was not written"], subtasks: [subtask("st-1", { status: "complete" })] }));
    render(PlanSteer, { view, edits: noEdits(), onapprove: vi.fn(), onfollowup });
    expect(screen.getByTestId("unmet").textContent).toContain("chart.svg was not written");
    await fireEvent.input(screen.getByLabelText("Follow-up message"), { target: { value: "add a pricing column" } });
    await fireEvent.click(screen.getByRole("button", { name: "Follow up" }));
    expect(onfollowup).toHaveBeenCalledWith("add a pricing column");
    expect(screen.queryByTestId("approve-plan")).toBeNull();
  });

  it("offers no follow-up while the task runs", () => {
    render(PlanSteer, { view: newTaskView(task({ status: "running" })), edits: noEdits(), onapprove: vi.fn(), onfollowup: vi.fn() });
    expect(screen.queryByTestId("follow-up-input")).toBeNull();
  });

  it("names the subtask and field of each problem of a refused edit, and hands them on", async () => {
    const problems = [
      { subtask: "st-3", field: "depends_on", message: 'st-3 depends on "st-2", which is dropped' },
      { message: "the revision adds 13 subtasks; at most 12 at once" },
    ];
    const onapprove = vi.fn(async () => {
      throw new BackendError("invalid_input", "…", problems);
    });
    const onproblems = vi.fn();
    const view = newTaskView(task({ awaiting_review: true, subtasks: [subtask("st-1")] }));
    render(PlanSteer, { view, edits: { ...noEdits(), drop: ["st-2"] }, onapprove, onfollowup: vi.fn(), onproblems });
    await fireEvent.click(screen.getByTestId("approve-plan"));
    const items = (await screen.findByTestId("plan-problems")).querySelectorAll("li");
    expect(items).toHaveLength(2);
    expect(items[0]?.dataset.problemSubtask).toBe("st-3");
    expect(items[0]?.textContent).toBe('st-3 · depends on: st-3 depends on "st-2", which is dropped');
    expect(items[1]?.textContent).toBe("the revision adds 13 subtasks; at most 12 at once");
    expect(onproblems).toHaveBeenLastCalledWith(problems);
  });

  it("reads the problems a desktop command answers too", () => {
    const e = toBackendError({ code: "invalid_input", message: "m", problems: [{ subtask: "st-1", field: "title", message: "st-1 has no title" }] });
    expect(e.problems[0]?.field).toBe("title");
  });
});
