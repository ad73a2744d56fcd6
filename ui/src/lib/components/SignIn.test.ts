import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import SignIn from "./SignIn.svelte";

afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe("SignIn", () => {
  it("asks the server who the token is, keeps it for the session and goes on", async () => {
    const fetch = vi.fn(async () =>
      new Response(JSON.stringify({ account: { id: "acc-1", name: "Ada", admin: false, created_at: "" }, admin: false }), {
        status: 200,
      }),
    );
    vi.stubGlobal("fetch", fetch);
    const onsignedin = vi.fn();
    render(SignIn, { onsignedin });
    const button = screen.getByRole("button", { name: "Sign in" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText("Access token"), { target: { value: " mt_abc " } });
    await fireEvent.click(button);
    await waitFor(() => expect(onsignedin).toHaveBeenCalled());
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url.endsWith("/me")).toBe(true);
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer mt_abc");
    expect(sessionStorage.getItem("miteos-token")).toBe("mt_abc");
  });

  it("says so when the server does not know the token, and keeps nothing", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("{}", { status: 401 })));
    const onsignedin = vi.fn();
    render(SignIn, { onsignedin });
    await fireEvent.input(screen.getByLabelText("Access token"), { target: { value: "wrong" } });
    await fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("does not know that token"));
    expect(onsignedin).not.toHaveBeenCalled();
    expect(sessionStorage.getItem("miteos-token")).toBeNull();
  });
});
