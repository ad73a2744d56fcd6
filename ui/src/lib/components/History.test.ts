import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { mockBackend, task } from "../../test/fixtures";
import History from "./History.svelte";

const now = Date.parse("2026-11-28T12:00:00Z");

function tasks(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => task({ id: `task-${i + from}`, prompt: `Prompt ${i + from}`, status: "completed" }));
}

describe("History", () => {
  it("pages newest first, asking one row more to know whether an older page exists", async () => {
    const listTasks = vi.fn(async (q: { offset: number }) => (q.offset === 0 ? tasks(3) : tasks(1, 2)));
    render(History, { backend: mockBackend({ listTasks }), onopen: () => {}, now, pageSize: 2 });
    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(3));
    expect(listTasks).toHaveBeenLastCalledWith({ limit: 3, offset: 0, status: null, q: null });
    await fireEvent.click(screen.getByRole("button", { name: "Older →" }));
    await waitFor(() => expect(listTasks).toHaveBeenLastCalledWith({ limit: 3, offset: 2, status: null, q: null }));
    await waitFor(() => expect(screen.getByTestId("history-page").textContent).toBe("Page 2"));
    expect((screen.getByRole("button", { name: "Older →" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("filters by state and searches prompt text", async () => {
    const listTasks = vi.fn(async () => tasks(1));
    render(History, { backend: mockBackend({ listTasks }), onopen: () => {}, now });
    (screen.getByRole("option", { name: "Failed" }) as HTMLOptionElement).selected = true;
    await fireEvent.change(screen.getByLabelText("State"));
    await waitFor(() => expect(listTasks).toHaveBeenLastCalledWith({ limit: 21, offset: 0, status: "failed", q: null }));
    await fireEvent.input(screen.getByLabelText("Search tasks"), { target: { value: "Notion" } });
    await waitFor(() => expect(listTasks).toHaveBeenLastCalledWith({ limit: 21, offset: 0, status: "failed", q: "Notion" }));
  });

  it("reopens a task", async () => {
    const onopen = vi.fn();
    render(History, { backend: mockBackend({ listTasks: vi.fn(async () => tasks(1)) }), onopen, now });
    await fireEvent.click(await screen.findByRole("button", { name: "Prompt 0" }));
    expect(onopen).toHaveBeenCalledWith("task-0");
  });
});
