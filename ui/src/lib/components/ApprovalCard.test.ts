import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { Approval } from "../types/core";
import ApprovalCard from "./ApprovalCard.svelte";

const pending: Approval = {
  id: "ap-1", task_id: "task-1", subtask_id: "st-2", call_id: "c1", tool: "run_command",
  arguments: { command: "git clone https://example.com/repo" }, reason: "git is not on the shell allow-list",
  status: "pending", created_at: "2026-11-28T10:00:05Z", decided_at: null,
};

describe("ApprovalCard", () => {
  it("shows the command and why, and approves or denies it", async () => {
    const ondecide = vi.fn(async () => {});
    render(ApprovalCard, { approval: pending, ondecide });
    expect(screen.getByText("git clone https://example.com/repo")).toBeTruthy();
    expect(screen.getByText(/not on the shell allow-list/)).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Deny" }));
    expect(ondecide).toHaveBeenCalledWith(false);
    await fireEvent.click(screen.getByRole("button", { name: "Approve" }));
    expect(ondecide).toHaveBeenLastCalledWith(true);
  });

  it("shows a refused decision and has no buttons once decided", async () => {
    const ondecide = vi.fn(async () => {
      throw new Error("approval ap-1 is already denied");
    });
    const { rerender } = render(ApprovalCard, { approval: pending, ondecide });
    await fireEvent.click(screen.getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("already denied"));
    await rerender({ approval: { ...pending, status: "denied" }, ondecide });
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
    expect(screen.getByText("✗ Denied")).toBeTruthy();
  });
});
