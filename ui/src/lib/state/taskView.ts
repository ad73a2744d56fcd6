// A task as the War Room shows it: the stored task, brought up to date by its events (the same
// events the journal, SSE and the CLI read). `apply` is idempotent per event (`seq`), so a
// replayed journal and a live stream can overlap safely.
import type { Approval, BoundBy, Deliverable, Event, PlannedSubtask, Subtask, SubtaskStatus, Task } from "../types/core";

export interface ToolCallView {
  call_id: string;
  tool: string;
  arguments: unknown;
  /** `null` while the call runs. */
  ok: boolean | null;
  result: string | null;
}

export interface SubtaskView {
  subtask: Subtask;
  /** The agent's streamed text, as it arrived. */
  streamed: string;
  toolCalls: ToolCallView[];
  /** Provider retries in words ("attempt 2 in 1.2 s: rate limited"). */
  retries: string[];
  /** The model its agent runs on, once it started (`null` before, and in older journals). */
  model: string | null;
  /** Why the plan changed this subtask ("moved to analyst: it writes a spreadsheet"). */
  notes: string[];
  /** The skills its agent loaded (with `load_skill`), and the files of theirs it read. */
  skills: { name: string; version: number; files: string[] }[];
  /** A fan-out's merged rows, one per item that ended, in the order they ended. */
  rows: ItemRow[];
}

/** One item of a fan-out in its merged table (`values` align with the fan-out's columns). */
export interface ItemRow {
  childId: string;
  item: string;
  values: string[];
  sources: string[];
  /** Why the item has no result, when it failed for good. */
  missing: string | null;
}

export interface TaskView {
  task: Task;
  subtasks: SubtaskView[];
  deliverables: Deliverable[];
  /** Highest event `seq` applied. */
  lastSeq: number;
  cancelRequested: boolean;
  /** Plan repairs, newest last. */
  planProblems: string[];
  /** The plan's revisions in words ("replanned (1): st-3 failed: …"), oldest first. */
  revisions: string[];
  /** Risky tool calls asked about, oldest first; `pending` ones wait for the user. */
  approvals: Approval[];
  /** The skill the task runs from (no planning call), with its parameters and how they were
   * bound: by the skill's wording, or by a short model call (with its confidence, 0 to 1). */
  skill: {
    name: string;
    version: number;
    parameters: Record<string, string>;
    boundBy: BoundBy;
    confidence: number;
  } | null;
}

/** Longest streamed text kept per subtask; the full answer is in `subtask.output`. */
export const MAX_STREAMED_CHARS = 200_000;

/** A view of a stored task that its journal is then replayed into from the first event: the
 * counters that events add to (subtask tokens and cost, the task's dollars) start at zero, so
 * the replay rebuilds them instead of counting them twice. */
export function newTaskView(task: Task, deliverables: Deliverable[] = []): TaskView {
  task.total_cost_usd = 0;
  task.steps = 0;
  for (const s of task.subtasks) {
    s.tokens_used = 0;
    s.cost_usd = 0;
    s.steps = 0;
    // Counted by the replay too: one more per rerun of a revision or a reopening.
    s.attempt = 1;
  }
  return {
    task,
    subtasks: task.subtasks.map(blankView),
    deliverables,
    lastSeq: 0,
    cancelRequested: false,
    planProblems: [],
    revisions: [],
    approvals: [],
    skill: null,
  };
}

/** The approvals still waiting for the user, of one subtask or of the whole task. */
export function pendingApprovals(view: TaskView, subtaskId?: string): Approval[] {
  return view.approvals.filter(
    (a) => a.status === "pending" && (subtaskId === undefined || a.subtask_id === subtaskId),
  );
}

function subtaskOf(view: TaskView, id: string | null): SubtaskView | undefined {
  return id === null ? undefined : view.subtasks.find((s) => s.subtask.id === id);
}

function blankView(subtask: Subtask): SubtaskView {
  return { subtask, streamed: "", toolCalls: [], retries: [], model: null, notes: [], skills: [], rows: [] };
}

/** A subtask as a plan or revision announces it, before it runs. */
function addPlanned(view: TaskView, p: PlannedSubtask, revision: number): void {
  const subtask: Subtask = {
    id: p.id, agent_type: p.agent_type, status: "pending", title: p.title, description: p.description,
    depends_on: p.depends_on, tokens_used: 0, cost_usd: 0, steps: 0, started_at: null, finished_at: null,
    output: null, error: null, revision, attempt: 1, dropped: false, needs: p.needs ?? [], cost_unknown: false,
    for_each: p.for_each ?? null, parent: p.parent ?? null, item: p.item ?? null,
  };
  view.task.subtasks.push(subtask);
  view.subtasks.push(blankView(subtask));
}

/** The subtasks of the plan as the tree lists them: a fan-out's items are shown by the fan-out. */
export function plannedSubtasks(view: TaskView): SubtaskView[] {
  return view.subtasks.filter((s) => !s.subtask.parent);
}

/** A fan-out's items, in the list's order. */
export function itemsOf(view: TaskView, fanOutId: string): SubtaskView[] {
  return view.subtasks.filter((s) => s.subtask.parent === fanOutId && !s.subtask.dropped);
}

/** How a fan-out's items stand: how many, how many in each state, and it in words
 * ("30 researchers: 12 done, 8 running, 1 failed, 9 waiting"). */
export interface FanOutProgress {
  /** Its items, in the list's order. */
  items: SubtaskView[];
  total: number;
  counts: Record<SubtaskStatus, number>;
  summary: string;
  /** What its items spent. */
  tokens: number;
  costUsd: number;
  costUnknown: boolean;
}

export function fanOutProgress(view: TaskView, fanOutId: string): FanOutProgress {
  const items = itemsOf(view, fanOutId);
  const counts: Record<SubtaskStatus, number> = { pending: 0, running: 0, complete: 0, failed: 0, cancelled: 0 };
  let tokens = 0;
  let costUsd = 0;
  let costUnknown = false;
  for (const s of items) {
    counts[s.subtask.status] += 1;
    tokens += s.subtask.tokens_used;
    costUsd += s.subtask.cost_usd;
    costUnknown ||= s.subtask.cost_unknown;
  }
  const agent = items[0]?.subtask.agent_type ?? "agent";
  const parts = [`${counts.complete} done`];
  for (const [status, word] of [["running", "running"], ["failed", "failed"], ["cancelled", "cancelled"], ["pending", "waiting"]] as const) {
    if (counts[status] > 0) parts.push(`${counts[status]} ${word}`);
  }
  return { items, total: items.length, counts, summary: `${items.length} ${agent}s: ${parts.join(", ")}`, tokens, costUsd, costUnknown };
}

/** Applies one event; events at or below `lastSeq` are ignored. */
export function apply(view: TaskView, event: Event): void {
  if (event.task_id !== view.task.id || event.seq <= view.lastSeq) return;
  view.lastSeq = event.seq;
  const task = view.task;
  switch (event.type) {
    case "task_created":
      break;
    case "task_started":
      task.status = "running";
      task.started_at ??= event.at;
      break;
    case "task_resumed":
      // A restart stopped the run; what was not complete starts over (a budget question that
      // still applies is asked again).
      task.status = "running";
      task.paused = null;
      for (const s of view.subtasks) {
        if (!event.completed.includes(s.subtask.id)) {
          s.subtask.status = "pending";
          s.subtask.error = null;
          s.subtask.finished_at = null;
        }
      }
      view.planProblems.push(`resumed after a restart; ${event.completed.length} subtasks were already complete`);
      break;
    case "plan_rejected":
      view.planProblems.push(...event.problems);
      break;
    case "skill_applied":
      task.skill_id = event.skill_id;
      view.skill = {
        name: event.name,
        version: event.version,
        parameters: event.parameters,
        boundBy: event.bound_by,
        confidence: event.confidence,
      };
      break;
    case "skill_declined":
      view.planProblems.push(`close to skill ${event.name}, but not run from it: ${event.reason}`);
      break;
    case "skill_abandoned":
      // Its subtasks are discarded; a fresh plan follows.
      task.subtasks = [];
      view.subtasks = [];
      view.skill = null;
      view.planProblems.push(`the run from the skill failed (${event.reason}); planned afresh`);
      break;
    case "plan_ready":
      task.title = event.title;
      for (const p of event.subtasks) {
        if (!subtaskOf(view, p.id)) addPlanned(view, p, 0);
      }
      break;
    case "plan_revised": {
      task.revision = event.revision;
      const who = { orchestrator: "replanned", user: "edited", follow_up: "planned", fan_out: "fan-out" }[event.by];
      // An item of a fan-out tried again is told on the item (a hundred items would bury the
      // plan's own revisions); the expansion is told with them.
      const itemRetry = event.by === "fan_out" && event.diff.added.length === 0;
      if (itemRetry) {
        for (const id of event.diff.rerun) subtaskOf(view, id)?.notes.push(event.reason);
      } else {
        view.revisions.push(`${who} (${event.revision}): ${event.reason}`);
      }
      let addedBy = `added in revision ${event.revision}`;
      if (event.by === "follow_up") {
        // The follow-up this revision planned: the one waiting for it, or (a view opened after
        // it, from the stored task) the one that names it.
        const planned =
          task.follow_ups.find((f) => f.revision === event.revision) ?? task.follow_ups.find((f) => f.revision === null);
        if (planned) {
          planned.revision = event.revision;
          addedBy = `added for the follow-up "${planned.message}"`;
        }
      }
      for (const p of event.diff.added) {
        // A fan-out's items are its expansion, not additions to tell one by one.
        const note = p.parent ? null : addedBy;
        const known = subtaskOf(view, p.id);
        if (!known) addPlanned(view, p, event.revision);
        const s = known ?? subtaskOf(view, p.id);
        if (s && note && !s.notes.includes(note)) s.notes.push(note);
      }
      for (const p of event.diff.changed) {
        const s = subtaskOf(view, p.id);
        if (!s) continue;
        Object.assign(s.subtask, { title: p.title, description: p.description, agent_type: p.agent_type, depends_on: p.depends_on });
        s.notes.push(`changed in revision ${event.revision}`);
      }
      for (const id of event.diff.rerun) {
        const s = subtaskOf(view, id);
        if (!s) continue;
        Object.assign(s.subtask, { status: "pending", error: null, output: null, finished_at: null, started_at: null });
        s.subtask.attempt += 1;
        s.streamed = "";
        s.toolCalls = [];
        // An item run again has no row until it ends again.
        const fanOut = subtaskOf(view, s.subtask.parent ?? null);
        if (fanOut) fanOut.rows = fanOut.rows.filter((r) => r.childId !== id);
      }
      for (const id of event.diff.dropped) {
        const s = subtaskOf(view, id);
        if (!s) continue;
        s.subtask.dropped = true;
        if (s.subtask.status === "pending" || s.subtask.status === "running") s.subtask.status = "cancelled";
        s.notes.push(`dropped in revision ${event.revision}`);
      }
      break;
    }
    case "subtask_reassigned": {
      const s = subtaskOf(view, event.subtask_id);
      if (s) {
        s.subtask.agent_type = event.to;
        s.notes.push(`moved to ${event.to}: ${event.reason}`);
      }
      break;
    }
    case "plan_review_requested":
      task.awaiting_review = true;
      break;
    case "plan_approved":
      task.awaiting_review = false;
      break;
    case "result_checked":
      task.unmet = event.unmet;
      break;
    case "follow_up_received":
      if (!task.follow_ups.some((f) => f.id === event.follow_up.id)) task.follow_ups.push(event.follow_up);
      break;
    case "task_reopened":
      task.status = "running";
      task.error = null;
      task.finished_at = null;
      task.unmet = [];
      for (const id of event.rerun ?? []) {
        const s = subtaskOf(view, id);
        if (!s) continue;
        Object.assign(s.subtask, { status: "pending", error: null, finished_at: null, started_at: null });
        s.subtask.attempt += 1;
      }
      break;
    case "subtask_started": {
      const s = subtaskOf(view, event.subtask_id);
      if (s) {
        s.subtask.status = "running";
        s.subtask.started_at ??= event.at;
        s.model = event.model || null;
      }
      break;
    }
    case "agent_output": {
      const s = subtaskOf(view, event.subtask_id);
      if (s) {
        s.streamed += event.text;
        if (s.streamed.length > MAX_STREAMED_CHARS) {
          s.streamed = s.streamed.slice(s.streamed.length - MAX_STREAMED_CHARS);
        }
      }
      break;
    }
    case "tool_call_started": {
      const s = subtaskOf(view, event.subtask_id);
      // Call ids are unique within one model turn only; a finished call's id may come again.
      if (s && !s.toolCalls.some((c) => c.call_id === event.call_id && c.ok === null)) {
        s.toolCalls.push({
          call_id: event.call_id,
          tool: event.tool,
          arguments: event.arguments,
          ok: null,
          result: null,
        });
      }
      break;
    }
    case "skill_loaded": {
      const s = subtaskOf(view, event.subtask_id);
      if (s) {
        let loaded = s.skills.find((k) => k.name === event.name);
        if (!loaded) {
          loaded = { name: event.name, version: event.version, files: [] };
          s.skills.push(loaded);
        }
        if (event.file && !loaded.files.includes(event.file)) loaded.files.push(event.file);
      }
      break;
    }
    case "tool_call_finished": {
      const call = subtaskOf(view, event.subtask_id)?.toolCalls.find(
        (c) => c.call_id === event.call_id && c.ok === null,
      );
      if (call) {
        call.ok = event.ok;
        call.result = event.result;
      }
      break;
    }
    case "usage": {
      task.total_tokens_used = event.task_total_tokens;
      task.total_cost_cents = event.task_total_cost_cents;
      task.total_cost_usd += event.cost_usd;
      task.cost_unknown ||= event.cost_unknown;
      task.steps += 1;
      const s = subtaskOf(view, event.subtask_id);
      if (s) {
        s.subtask.tokens_used += event.input_tokens + event.output_tokens;
        s.subtask.cost_usd += event.cost_usd;
        s.subtask.cost_unknown ||= event.cost_unknown;
        s.subtask.steps += 1;
      }
      break;
    }
    case "budget_estimated":
      task.estimate = event.estimate;
      break;
    case "budget_paused":
      task.paused = event.pause;
      break;
    case "budget_decided":
      task.paused = null;
      task.budget = event.budget;
      break;
    case "provider_retry": {
      const s = subtaskOf(view, event.subtask_id);
      const line = `attempt ${event.attempt} in ${(event.delay_ms / 1000).toFixed(1)} s: ${event.reason}`;
      if (s) s.retries.push(line);
      else view.planProblems.push(`planner retry, ${line}`);
      break;
    }
    case "model_fallback": {
      const s = subtaskOf(view, event.subtask_id);
      if (s) s.retries.push(`${event.from} kept failing; going on with ${event.to} (${event.reason})`);
      break;
    }
    case "subtask_finished": {
      const s = subtaskOf(view, event.subtask_id);
      if (s) {
        s.subtask.status = event.status;
        s.subtask.error = event.error;
        s.subtask.finished_at = event.at;
        if (event.output) s.subtask.output = event.output;
      }
      break;
    }
    case "item_merged": {
      const s = subtaskOf(view, event.subtask_id);
      if (s) {
        const row: ItemRow = {
          childId: event.child_id,
          item: event.item,
          values: event.values,
          sources: event.sources,
          missing: event.missing ?? null,
        };
        const i = s.rows.findIndex((r) => r.childId === row.childId);
        if (i >= 0) s.rows[i] = row;
        else s.rows.push(row);
      }
      break;
    }
    case "deliverable_added": {
      const i = view.deliverables.findIndex((d) => d.name === event.deliverable.name);
      if (i >= 0) view.deliverables[i] = event.deliverable;
      else view.deliverables.push(event.deliverable);
      break;
    }
    case "approval_requested":
      if (!view.approvals.some((a) => a.id === event.approval.id)) view.approvals.push({ ...event.approval });
      break;
    case "approval_decided": {
      const a = view.approvals.find((x) => x.id === event.approval_id);
      if (a) {
        a.status = event.status;
        a.decided_at = event.at;
      }
      break;
    }
    case "cancel_requested":
      view.cancelRequested = true;
      break;
    case "task_finished":
      task.status = event.status;
      task.error = event.error;
      task.total_tokens_used = event.total_tokens_used;
      task.total_cost_cents = event.total_cost_cents;
      task.cost_unknown = event.cost_unknown;
      task.finished_at = event.at;
      task.paused = null;
      for (const a of view.approvals) if (a.status === "pending") a.status = "expired";
      for (const s of view.subtasks) {
        if (s.subtask.status === "running" || s.subtask.status === "pending") {
          s.subtask.status = event.status === "completed" ? "complete" : "cancelled";
        }
      }
      break;
  }
}
