import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { deliverable, mockBackend } from "../../test/fixtures";
import { BackendError } from "../backend";
import Deliverables from "./Deliverables.svelte";

describe("Deliverables", () => {
  it("lists files with sizes and downloads through the backend", async () => {
    const backend = mockBackend();
    const d = deliverable("pricing.csv");
    render(Deliverables, { backend, items: [d] });
    expect(screen.getByText(/pricing\.csv/)).toBeTruthy();
    expect(screen.getByText("14.2 kB")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Download" }));
    expect(backend.download).toHaveBeenCalledWith(d);
    await waitFor(() => expect(screen.getByRole("button", { name: "Saved ✓" })).toBeTruthy());
  });

  it("shows a failed download's reason on the file, and Deploy/Share as not yet available", async () => {
    const backend = mockBackend({
      download: vi.fn(async () => {
        throw new BackendError("not_found", "the file of dlv-x is gone");
      }),
    });
    render(Deliverables, { backend, items: [deliverable("report.md")] });
    await fireEvent.click(screen.getByRole("button", { name: "Download" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("is gone"));
    expect((screen.getByRole("button", { name: "Deploy" }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole("button", { name: "Share" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("offers Open folder only where the backend can open one", () => {
    const reveal = vi.fn(async () => {});
    render(Deliverables, { backend: mockBackend({ revealFolder: reveal }), items: [deliverable("a.csv")] });
    expect(screen.getByRole("button", { name: "Open folder" })).toBeTruthy();
  });

  it("previews a CSV as a table", async () => {
    const backend = mockBackend({
      preview: vi.fn(async () => ({
        kind: "table" as const,
        sheets: [{ name: "Sheet1", rows: [["name", "price"], ["Coda", "10"]] }],
        truncated: false,
      })),
    });
    render(Deliverables, { backend, items: [deliverable("pricing.csv")] });
    await fireEvent.click(screen.getByTitle("Preview pricing.csv"));
    await waitFor(() => expect(screen.getByRole("columnheader", { name: "price" })).toBeTruthy());
    expect(screen.getByRole("cell", { name: "Coda" })).toBeTruthy();
  });
});
