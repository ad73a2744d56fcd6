// The selected task, kept live: loaded once, then brought up to date by its event stream.
import type { Backend, Unsubscribe } from "../backend";
import type { Task } from "../types/core";
import { apply, newTaskView, type TaskView } from "./taskView";

export class LiveTask {
  view: TaskView | null = $state(null);
  error: string | null = $state(null);
  #unsubscribe: Unsubscribe | null = null;
  #generation = 0;

  constructor(
    private readonly backend: Backend,
    private readonly onFinished: (task: Task) => void,
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
      this.#unsubscribe = this.backend.subscribe(id, 0, (event) => {
        if (generation !== this.#generation || !this.view) return;
        apply(this.view, event);
        if (event.type === "task_finished" && wasLive) this.onFinished(this.view.task);
      });
    } catch (e) {
      if (generation === this.#generation) this.error = e instanceof Error ? e.message : String(e);
    }
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }
}
