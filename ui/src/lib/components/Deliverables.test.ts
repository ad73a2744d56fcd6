import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { deliverable, mockBackend } from "../../test/fixtures";
import { BackendError } from "../backend";
import Deliverables from "./Deliverables.svelte";

describe("Deliverables", () => {
  it("lists files with sizes and downloads through the backend", async () => {
    const backend = mockBackend();
    const d = deliverable("pricing.csv");
    render(Deliverables, { backend, items: [d], taskId: d.task_id });
    expect(screen.getByText(/pricing\.csv/)).toBeTruthy();
    expect(screen.getByText("14.2 kB")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Download" }));
    expect(backend.download).toHaveBeenCalledWith(d);
    await waitFor(() => expect(screen.getByRole("button", { name: "Saved ✓" })).toBeTruthy());
  });

  it("shows a failed download's reason on the file", async () => {
    const backend = mockBackend({
      download: vi.fn(async () => {
        throw new BackendError("not_found", "the file of dlv-x is gone");
      }),
    });
    render(Deliverables, { backend, items: [deliverable("report.md")], taskId: "task-1" });
    await fireEvent.click(screen.getByRole("button", { name: "Download" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("is gone"));
  });

  it("deploys and shows the staging URL to copy, open or take down", async () => {
    const d = deliverable("site/index.html", { mime_type: "text/html" });
    const deployment = {
      id: "dep-1", task_id: d.task_id, deliverable_id: d.id, target: "local",
      url: "http://127.0.0.1:7412/d/dep-1/", files: 3, bytes: 900,
      created_at: "2026-11-28T10:05:00Z", taken_down_at: null, expires_at: "2026-12-28T10:05:00Z",
    };
    const deployed: (typeof deployment)[] = [];
    const backend = mockBackend({
      deploy: vi.fn(async () => {
        deployed.push(deployment);
        return deployment;
      }),
      deployments: vi.fn(async () => [...deployed]),
    });
    render(Deliverables, { backend, items: [d], taskId: d.task_id });
    await fireEvent.click(screen.getByRole("button", { name: "Deploy" }));
    await waitFor(() => expect(screen.getByTestId("deployment-url").textContent).toBe(deployment.url));
    await fireEvent.click(screen.getByRole("button", { name: "Open" }));
    expect(backend.openUrl).toHaveBeenCalledWith(deployment.url);
    await fireEvent.click(screen.getByRole("button", { name: "Take down" }));
    expect(backend.takeDown).toHaveBeenCalledWith(d.task_id, "dep-1");
  });

  it("creates a share link with the chosen expiry and shows it once", async () => {
    const d = deliverable("pricing.csv");
    const share = {
      id: "shr-1", task_id: d.task_id, deliverable_id: d.id, include_replay: true,
      created_at: "2026-11-28T10:05:00Z", expires_at: "2026-12-28T10:05:00Z", revoked_at: null,
      access_count: 0, url: "http://127.0.0.1:7412/s/abc",
    };
    const backend = mockBackend({ share: vi.fn(async () => share) });
    render(Deliverables, { backend, items: [d], taskId: d.task_id });
    await fireEvent.click(screen.getByRole("button", { name: "Share" }));
    (screen.getByRole("option", { name: "30 days" }) as HTMLOptionElement).selected = true;
    await fireEvent.change(screen.getByLabelText(/Link works for/));
    await fireEvent.click(screen.getByLabelText(/show how it was made/));
    await fireEvent.click(screen.getByRole("button", { name: "Create link" }));
    expect(backend.share).toHaveBeenCalledWith(d, { expiresInHours: 720, includeReplay: true });
    await waitFor(() => expect((screen.getByTestId("share-url") as HTMLInputElement).value).toBe(share.url));
  });

  it("offers Open folder only where the backend can open one", () => {
    const reveal = vi.fn(async () => {});
    render(Deliverables, { backend: mockBackend({ revealFolder: reveal }), items: [deliverable("a.csv")], taskId: "task-1" });
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
    render(Deliverables, { backend, items: [deliverable("pricing.csv")], taskId: "task-1" });
    await fireEvent.click(screen.getByTitle("Preview pricing.csv"));
    await waitFor(() => expect(screen.getByRole("columnheader", { name: "price" })).toBeTruthy());
    expect(screen.getByRole("cell", { name: "Coda" })).toBeTruthy();
  });
});
