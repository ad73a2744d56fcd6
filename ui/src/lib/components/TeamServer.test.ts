import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { TeamSwitch } from "../backend";
import { BackendError } from "../backend";
import type { TeamServer as Server } from "../types/core";
import TeamServer from "./TeamServer.svelte";

const ada = (active: boolean): Server => ({ url: "http://miteos.internal:7411", account: "Ada", admin: false, active });

function team(current: Server | null, over: Partial<TeamSwitch> = {}): TeamSwitch {
  return {
    current: vi.fn(async () => current),
    connect: vi.fn(async (url: string) => ({ ...ada(true), url })),
    use: vi.fn(async () => {}),
    forget: vi.fn(async () => {}),
    ...over,
  };
}

describe("TeamServer", () => {
  it("asks for the server's address and a token, connects and reloads onto the server", async () => {
    const t = team(null);
    const reload = vi.fn();
    render(TeamServer, { team: t, reload });
    const connect = (await screen.findByRole("button", { name: "Connect" })) as HTMLButtonElement;
    expect(connect.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText("Server address"), { target: { value: " miteos.internal:7411 " } });
    await fireEvent.input(screen.getByLabelText("Access token"), { target: { value: " mt_abc " } });
    await fireEvent.click(connect);
    await waitFor(() => expect(reload).toHaveBeenCalledOnce());
    expect(t.connect).toHaveBeenCalledWith("miteos.internal:7411", "mt_abc");
  });

  it("says what the server answered and stays on this computer", async () => {
    const t = team(null, {
      connect: vi.fn(async () => {
        throw new BackendError("invalid_input", "http://x does not know this token; ask the server's admin for yours");
      }),
    });
    const reload = vi.fn();
    render(TeamServer, { team: t, reload });
    await fireEvent.input(await screen.findByLabelText("Server address"), { target: { value: "x" } });
    await fireEvent.input(screen.getByLabelText("Access token"), { target: { value: "wrong" } });
    await fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("does not know this token"));
    expect(reload).not.toHaveBeenCalled();
  });

  it("on the server: says who and where, and goes back to this computer", async () => {
    const t = team(ada(true));
    const reload = vi.fn();
    render(TeamServer, { team: t, reload });
    const status = await screen.findByTestId("team-status");
    expect(status.textContent).toContain("http://miteos.internal:7411");
    expect(status.textContent).toContain("Ada");
    expect(screen.queryByLabelText("Access token")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Use this computer" }));
    await waitFor(() => expect(reload).toHaveBeenCalledOnce());
    expect(t.use).toHaveBeenCalledWith(false);
  });

  it("remembered but not in use: a switch away, or forgotten without a reload", async () => {
    const t = team(ada(false));
    const reload = vi.fn();
    render(TeamServer, { team: t, reload });
    await fireEvent.click(await screen.findByRole("button", { name: "Switch to the team server" }));
    await waitFor(() => expect(t.use).toHaveBeenCalledWith(true));
    expect(reload).toHaveBeenCalledOnce();
    await fireEvent.click(screen.getByRole("button", { name: "Forget it" }));
    await waitFor(() => expect(t.forget).toHaveBeenCalledOnce());
    await waitFor(() => expect(screen.queryByTestId("team-status")).toBeNull());
    expect(reload).toHaveBeenCalledOnce();
    expect((screen.getByLabelText("Server address") as HTMLInputElement).value).toBe("");
  });
});
