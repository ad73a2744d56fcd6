// The selected task, kept live: loaded once, then brought up to date by its event stream.
import type { Backend, Unsubscribe } from "../backend";
import type { Approval, BudgetPause, Task } from "../types/core";
import { apply, newTaskView, type TaskView } from "./taskView";

export class LiveTask {
  view: TaskView | null = $state(null);
  error: string | null = $state(null);
  #unsubscribe: Unsubscribe | null = null;
  #generation = 0;

  constructor(
    private readonly backend: Backend,
    private readonly onFinished: (task: Task) => void,
    /** A request that is still pending when its event arrives (also on reopening the task). */
    private readonly onApproval: (approval: Approval) => void = () => {},
    /** The task paused on its budget (also on reopening a paused task). */
    private readonly onBudgetPause: (pause: BudgetPause) => void = () => {},
  ) {}

  /** Shows task `id` (or nothing with `null`), replacing the previous one. */
  async open(id: string | null): Promise<void> {
    this.close();
    const generation = ++this.#generation;
    this.error = null;
    if (id === null) {
      this.view = null;
      return;
    }
    try {
      const [task, deliverables] = await Promise.all([
        this.backend.getTask(id),
        this.backend.deliverables(id),
      ]);
      if (generation !== this.#generation) return;
      const view = newTaskView(task, deliverables);
      this.view = view;
      const wasLive = task.status === "pending" || task.status === "running";
      const pausedAtOpen = task.paused?.since ?? null;
      const openedAt = Date.now();
      this.#unsubscribe = this.backend.subscribe(id, 0, (event) => {
        if (generation !== this.#generation || !this.view) return;
        apply(this.view, event);
        // The final answers are stored, not streamed as events: fetch them when a subtask ends
        // (a task that had ended when it was opened already carries them).
        if (wasLive && (event.type === "subtask_finished" || event.type === "task_finished")) {
          void this.#loadOutputs(id, generation);
        }
        if (event.type === "task_finished" && wasLive) this.onFinished(this.view.task);
        if (event.type === "approval_requested" && this.view.approvals.some((a) => a.id === event.approval.id && a.status === "pending")) {
          this.onApproval(event.approval);
        }
        // The question waiting now, or one asked after the task was opened; not old ones the
        // replay passes over.
        if (
          event.type === "budget_paused" &&
          (event.pause.since === pausedAtOpen || Date.parse(event.pause.since) >= openedAt - 1000)
        ) {
          this.onBudgetPause(event.pause);
        }
      });
    } catch (e) {
      if (generation === this.#generation) this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Copies the stored subtasks' final answers and errors into the view. */
  async #loadOutputs(id: string, generation: number): Promise<void> {
    try {
      const stored = await this.backend.getTask(id);
      if (generation !== this.#generation || !this.view) return;
      for (const s of stored.subtasks) {
        const shown = this.view.subtasks.find((v) => v.subtask.id === s.id);
        if (shown) {
          shown.subtask.output = s.output;
          shown.subtask.error = s.error;
        }
      }
    } catch (e) {
      console.warn("loading subtask outputs", e);
    }
  }

  /** Reads the task again and follows its events anew (after it was reopened). */
  async reload(): Promise<void> {
    if (this.view) await this.open(this.view.task.id);
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }
}
