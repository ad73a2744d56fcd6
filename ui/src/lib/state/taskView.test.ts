import { describe, expect, it } from "vitest";
import { event, subtask, task } from "../../test/fixtures";
import { apply, newTaskView, pendingApprovals } from "./taskView";

describe("a task view follows its events", () => {
  it("shows the estimate, the budget question while it waits, and the raised budget", () => {
    const view = newTaskView(task({ status: "running" }));
    const budget = {
      task: { tokens: 2_000_000, cost_cents: 500, steps: 100, seconds: 3600 },
      subtask: { tokens: 500_000, cost_cents: null, steps: 12, seconds: 1200 },
    };
    apply(view, event({ type: "budget_estimated", estimate: { tokens: 16_500, cost_cents: 3, from_history: 0, subtasks: 1 } }));
    expect(view.task.estimate?.tokens).toBe(16_500);
    apply(view, event({ type: "usage", subtask_id: null, input_tokens: 10, output_tokens: 5, cost_usd: 0, task_total_tokens: 15, task_total_cost_cents: 0 }));
    expect(view.task.steps).toBe(1);
    const pause = {
      scope: "subtask", subtask_id: "st-1", measure: "steps", used: 10, limit: 12, estimated: false,
      message: "subtask st-1 used 10 steps of its limit of 12 steps (83%)", since: "2026-11-28T10:00:05Z",
    };
    apply(view, event({ type: "budget_paused", pause }));
    expect(view.task.paused?.message).toContain("10 steps");
    apply(view, event({ type: "budget_decided", decision: "raise", budget: { ...budget, subtask: { ...budget.subtask, steps: 24 } } }));
    expect(view.task.paused).toBeNull();
    expect(view.task.budget?.subtask.steps).toBe(24);
    apply(view, event({ type: "budget_paused", pause: { ...pause, used: 20, limit: 24 } }));
    apply(view, event({ type: "task_finished", status: "cancelled", error: "stopped", total_tokens_used: 15, total_cost_cents: 0 }));
    expect(view.task.paused).toBeNull();
  });

  it("records the skill a task runs from and how it was matched, or why it was not", () => {
    const view = newTaskView(task({ status: "running" }));
    apply(view, event({ type: "skill_declined", skill_id: "sk-1", name: "saas-comparison", confidence: 0.8, reason: "the model judged it a different kind of task" }));
    expect(view.planProblems).toEqual(["close to skill saas-comparison, but not run from it: the model judged it a different kind of task"]);
    apply(view, event({ type: "skill_applied", skill_id: "sk-1", name: "saas-comparison", version: 2, parameters: { count: "4" }, bound_by: "model", confidence: 0.9 }));
    expect(view.task.skill_id).toBe("sk-1");
    expect(view.skill).toEqual({ name: "saas-comparison", version: 2, parameters: { count: "4" }, boundBy: "model", confidence: 0.9 });
  });

  it("records the skills a subtask's agent loaded, and the files of theirs it read", () => {
    const view = newTaskView(task({ status: "running", subtasks: [subtask("st-1"), subtask("st-2")] }));
    const loaded = { type: "skill_loaded", subtask_id: "st-1", skill_id: "sk-2", name: "brand-guidelines", version: 2 };
    apply(view, event({ ...loaded, file: null }));
    apply(view, event({ ...loaded, file: "references/palette.md" }));
    apply(view, event({ ...loaded, file: "references/palette.md" }));
    expect(view.subtasks[0]?.skills).toEqual([{ name: "brand-guidelines", version: 2, files: ["references/palette.md"] }]);
    expect(view.subtasks[1]?.skills).toEqual([]);
  });

  it("builds the tree from the plan and tracks states, output, tools, usage and deliverables", () => {
    const view = newTaskView(task({ status: "pending" }));
    apply(view, event({ type: "task_started" }));
    const plan = event({
      type: "plan_ready",
      title: "Notion competitors",
      subtasks: [
        { id: "st-1", title: "Research", description: "d", agent_type: "researcher", depends_on: [] },
        { id: "st-2", title: "Compare", description: "d", agent_type: "analyst", depends_on: ["st-1"] },
      ],
    });
    apply(view, plan);
    apply(view, event({ type: "subtask_started", subtask_id: "st-1", agent_type: "researcher", model: "openai::gpt-4.1-nano" }));
    apply(view, event({ type: "agent_output", subtask_id: "st-1", text: "Confluence: $5.16" }));
    apply(view, event({ type: "agent_output", subtask_id: "st-1", text: "/user" }));
    apply(view, event({ type: "tool_call_started", subtask_id: "st-1", call_id: "c1", tool: "fetch_url", arguments: { url: "http://x" } }));
    apply(view, event({ type: "tool_call_finished", subtask_id: "st-1", call_id: "c1", tool: "fetch_url", ok: true, result: "page" }));
    apply(view, event({ type: "usage", subtask_id: "st-1", input_tokens: 100, output_tokens: 20, cost_usd: 0.001, task_total_tokens: 150, task_total_cost_cents: 1 }));
    apply(view, event({ type: "subtask_finished", subtask_id: "st-1", status: "complete", error: null }));

    expect(view.task.status).toBe("running");
    expect(view.task.title).toBe("Notion competitors");
    expect(view.subtasks.map((s) => s.subtask.id)).toEqual(["st-1", "st-2"]);
    const st1 = view.subtasks[0]!;
    expect(st1.streamed).toBe("Confluence: $5.16/user");
    expect(st1.toolCalls).toEqual([{ call_id: "c1", tool: "fetch_url", arguments: { url: "http://x" }, ok: true, result: "page" }]);
    expect(st1.subtask.tokens_used).toBe(120);
    expect(st1.subtask.status).toBe("complete");
    expect(st1.model).toBe("openai::gpt-4.1-nano");
    expect(view.task.total_tokens_used).toBe(150);
    expect(view.subtasks[1]!.subtask.depends_on).toEqual(["st-1"]);

    // A replayed event (same seq) changes nothing.
    apply(view, plan);
    expect(view.subtasks).toHaveLength(2);
  });

  it("ends running subtasks when the task ends, and keeps the final totals", () => {
    const view = newTaskView(task());
    apply(view, event({ type: "plan_ready", title: "t", subtasks: [{ id: "st-1", title: "a", description: "", agent_type: "builder", depends_on: [] }] }));
    apply(view, event({ type: "subtask_started", subtask_id: "st-1", agent_type: "builder" }));
    apply(view, event({ type: "cancel_requested" }));
    expect(view.cancelRequested).toBe(true);
    apply(view, event({ type: "task_finished", status: "cancelled", error: "cancelled by the user", total_tokens_used: 42, total_cost_cents: 3 }));
    expect(view.task.status).toBe("cancelled");
    expect(view.subtasks[0]!.subtask.status).toBe("cancelled");
    expect(view.task.total_cost_cents).toBe(3);
  });

  it("counts each usage event once when a stored task replays its journal", () => {
    const stored = task({
      total_tokens_used: 120,
      total_cost_usd: 0.001,
      subtasks: [subtask("st-1", { tokens_used: 120, cost_usd: 0.001 })],
    });
    const view = newTaskView(stored);
    apply(view, event({ type: "usage", subtask_id: "st-1", input_tokens: 100, output_tokens: 20, cost_usd: 0.001, task_total_tokens: 120, task_total_cost_cents: 1 }));
    expect(view.subtasks[0]!.subtask.tokens_used).toBe(120);
    expect(view.subtasks[0]!.subtask.cost_usd).toBe(0.001);
    expect(view.task.total_cost_usd).toBe(0.001);
    expect(view.task.total_tokens_used).toBe(120);
  });

  it("keeps every tool call when a model reuses call ids across turns", () => {
    const view = newTaskView(task());
    apply(view, event({ type: "plan_ready", title: "t", subtasks: [{ id: "st-1", title: "a", description: "", agent_type: "builder", depends_on: [] }] }));
    for (const ok of [true, false]) {
      apply(view, event({ type: "tool_call_started", subtask_id: "st-1", call_id: "call_0", tool: "write_file", arguments: {} }));
      apply(view, event({ type: "tool_call_finished", subtask_id: "st-1", call_id: "call_0", tool: "write_file", ok, result: "r" }));
    }
    expect(view.subtasks[0]!.toolCalls.map((c) => c.ok)).toEqual([true, false]);
  });

  it("replaces a deliverable written again instead of listing it twice", () => {
    const view = newTaskView(task());
    const d = { id: "dlv-1", task_id: task().id, name: "a.csv", mime_type: "text/csv", size_bytes: 1, sha256: "x", subtask_id: null, created_at: "2026-11-28T10:00:00Z" };
    apply(view, event({ type: "deliverable_added", deliverable: d }));
    apply(view, event({ type: "deliverable_added", deliverable: { ...d, size_bytes: 2 } }));
    expect(view.deliverables).toHaveLength(1);
    expect(view.deliverables[0]!.size_bytes).toBe(2);
  });
});

describe("approvals in a task view", () => {
  const approval = (id: string) => ({
    id, task_id: task().id, subtask_id: "st-1", call_id: "c1", tool: "run_command",
    arguments: { command: "git status" }, reason: "git is not on the shell allow-list",
    status: "pending" as const, created_at: "2026-11-28T10:00:05Z", decided_at: null,
  });

  it("waits on requests until they are decided, and expires the rest when the task ends", () => {
    const view = newTaskView(task({ status: "running" }));
    apply(view, event({ type: "approval_requested", approval: approval("ap-1") }));
    apply(view, event({ type: "approval_requested", approval: approval("ap-2") }));
    expect(pendingApprovals(view, "st-1").map((a) => a.id)).toEqual(["ap-1", "ap-2"]);
    expect(pendingApprovals(view, "st-2")).toEqual([]);
    apply(view, event({ type: "approval_decided", subtask_id: "st-1", approval_id: "ap-1", status: "denied" }));
    expect(view.approvals[0]!.status).toBe("denied");
    expect(pendingApprovals(view).map((a) => a.id)).toEqual(["ap-2"]);
    apply(view, event({ type: "task_finished", status: "cancelled", error: null, total_tokens_used: 0, total_cost_cents: 0 }));
    expect(pendingApprovals(view)).toEqual([]);
    expect(view.approvals[1]!.status).toBe("expired");
  });
});
