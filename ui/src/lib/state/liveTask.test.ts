import { describe, expect, it, vi } from "vitest";
import { event, mockBackend, subtask, task } from "../../test/fixtures";
import type { Event } from "../types/core";
import { LiveTask } from "./liveTask.svelte";

function capture() {
  let listener: ((e: Event) => void) | null = null;
  const subscribe = vi.fn((_id: string, _after: number, onEvent: (e: Event) => void) => {
    listener = onEvent;
    return () => (listener = null);
  });
  return { subscribe, emit: (e: Event) => listener?.(e), open: () => listener !== null };
}

describe("LiveTask", () => {
  it("announces a task that finishes while it is watched (for the desktop notification)", async () => {
    const stream = capture();
    const onFinished = vi.fn();
    const live = new LiveTask(mockBackend({ subscribe: stream.subscribe, getTask: vi.fn(async () => task()) }), onFinished);
    await live.open(task().id);
    expect(stream.subscribe).toHaveBeenCalledWith(task().id, 0, expect.any(Function));
    stream.emit(event({ type: "task_finished", status: "completed", error: null, total_tokens_used: 9, total_cost_cents: 1 }));
    expect(onFinished).toHaveBeenCalledOnce();
    expect(live.view?.task.status).toBe("completed");
  });

  it("shows a subtask's stored answer once it finishes", async () => {
    const stream = capture();
    const running = task({ subtasks: [subtask("st-1", { status: "running" })] });
    const getTask = vi
      .fn()
      .mockResolvedValueOnce(running)
      .mockResolvedValue(task({ subtasks: [subtask("st-1", { status: "complete", output: "Wrote report.md." })] }));
    const live = new LiveTask(mockBackend({ subscribe: stream.subscribe, getTask }), () => {});
    await live.open(running.id);
    stream.emit(event({ type: "subtask_finished", subtask_id: "st-1", status: "complete", error: null }));
    await vi.waitFor(() => expect(live.view?.subtasks[0]?.subtask.output).toBe("Wrote report.md."));
  });

  it("does not announce a finished task reopened from history", async () => {
    const stream = capture();
    const onFinished = vi.fn();
    const done = task({ status: "completed" });
    const live = new LiveTask(mockBackend({ subscribe: stream.subscribe, getTask: vi.fn(async () => done) }), onFinished);
    await live.open(done.id);
    stream.emit(event({ type: "task_finished", status: "completed", error: null, total_tokens_used: 9, total_cost_cents: 1 }));
    expect(onFinished).not.toHaveBeenCalled();
  });

  it("stops listening to the previous task when another opens, and shows load errors", async () => {
    const stream = capture();
    const live = new LiveTask(mockBackend({ subscribe: stream.subscribe }), () => {});
    await live.open(task().id);
    expect(stream.open()).toBe(true);
    const failing = new LiveTask(
      mockBackend({ getTask: vi.fn(async () => { throw new Error("task task-x does not exist"); }) }),
      () => {},
    );
    await failing.open("task-x");
    expect(failing.error).toContain("does not exist");
    await live.open(null);
    expect(stream.open()).toBe(false);
    expect(live.view).toBeNull();
  });
});
