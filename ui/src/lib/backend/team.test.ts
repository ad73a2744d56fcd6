import { beforeEach, describe, expect, it, vi } from "vitest";
import type { InvokeResponseBody, TeamFetch } from "./backend";

// The app's side, scripted: `team_fetch` answers a status and sends the body on the channel.
const sent: { request: TeamFetch; channel: FakeChannel }[] = [];
const stopped: number[] = [];
let answer: (request: TeamFetch, channel: FakeChannel) => { status: number; headers: [string, string][] };

class FakeChannel {
  onmessage: (message: InvokeResponseBody) => void = () => {};
}

vi.mock("@tauri-apps/api/core", () => ({ Channel: FakeChannel }));
vi.mock("@tauri-apps/plugin-dialog", () => ({ save: vi.fn() }));
vi.mock("./commands", () => ({
  commands: {
    teamFetch: vi.fn(async (request: TeamFetch, channel: FakeChannel) => {
      sent.push({ request, channel });
      return { stream: sent.length, ...answer(request, channel) };
    }),
    stopTeamFetch: vi.fn(async (stream: number) => {
      stopped.push(stream);
    }),
    teamAttachment: vi.fn(async (path: string) => ({ name: path.split("/").pop(), content_base64: "UERG" })),
  },
}));

const { teamBackend, teamFetch } = await import("./team");
const { mockBackend } = await import("../../test/fixtures");
const { httpBackend } = await import("./http");

const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

beforeEach(() => {
  sent.length = 0;
  stopped.length = 0;
});

describe("teamFetch", () => {
  it("carries the request after the server's address, without the window's token, and streams the answer", async () => {
    answer = (_, channel) => {
      queueMicrotask(() => {
        channel.onmessage(bytes('{"id":"tsk-'));
        channel.onmessage(bytes('1"}'));
        channel.onmessage({ end: true, error: null });
      });
      return { status: 201, headers: [["content-type", "application/json"]] };
    };
    const fetch = teamFetch("https://example.com/miteos/");
    const response = await fetch("https://example.com/miteos/tasks?limit=5", {
      method: "POST",
      headers: { Authorization: "Bearer window", "Content-Type": "application/json", "X-Other": "1" },
      body: JSON.stringify({ prompt: "héllo" }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ id: "tsk-1" });
    expect(stopped, "an answer read to its end needs no stop").toEqual([]);
    const { request } = sent[0]!;
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/tasks?limit=5");
    expect(request.headers.map(([n, v]) => [n.toLowerCase(), v])).toEqual([["content-type", "application/json"]]);
    expect(new TextDecoder().decode(Uint8Array.from(atob(request.body!), (c) => c.charCodeAt(0)))).toBe(
      JSON.stringify({ prompt: "héllo" }),
    );
  });

  it("rejects as fetch does when the server cannot be reached", async () => {
    const { commands } = await import("./commands");
    vi.mocked(commands.teamFetch).mockRejectedValueOnce({ code: "invalid_input", message: "could not reach http://x" });
    await expect(teamFetch("http://x")("http://x/tasks")).rejects.toThrow(TypeError);
  });

  it("an aborted event stream stops the app's side of it", async () => {
    let channel: FakeChannel | null = null;
    answer = (_, c) => {
      channel = c;
      return { status: 200, headers: [["content-type", "text/event-stream"]] };
    };
    const controller = new AbortController();
    const response = await teamFetch("http://x")("http://x/tasks/t/events", { signal: controller.signal });
    const reader = response.body!.getReader();
    channel!.onmessage(bytes("id: 1\n"));
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("id: 1\n");
    controller.abort();
    await expect(reader.read()).rejects.toThrow(/aborted/);
    expect(stopped).toEqual([1]);
  });

  it("gives the HTTP backend the server's errors as they are", async () => {
    answer = (_, channel) => {
      queueMicrotask(() => {
        channel.onmessage(bytes('{"error":{"code":"forbidden","message":"only an admin manages accounts"}}'));
        channel.onmessage({ end: true, error: null });
      });
      return { status: 403, headers: [["content-type", "application/json"]] };
    };
    const backend = httpBackend("", { base: "http://x", fetch: teamFetch("http://x") });
    await expect(backend.settings()).rejects.toMatchObject({ code: "forbidden", message: "only an admin manages accounts" });
    expect(sent[0]!.request.path).toBe("/settings");
  });

  it("sends a document picked on this computer as the app reads it, and a browser file as it is", async () => {
    answer = (_, channel) => {
      queueMicrotask(() => {
        channel.onmessage(bytes('{"id":"tsk-2"}'));
        channel.onmessage({ end: true, error: null });
      });
      return { status: 201, headers: [["content-type", "application/json"]] };
    };
    const local = mockBackend({ pickFiles: vi.fn(async () => []) });
    const backend = teamBackend({ url: "http://x", account: "Ada", admin: false, active: true }, local);
    expect(backend.pickFiles).toBe(local.pickFiles);
    await backend.createTask({
      prompt: "Summarise the brief",
      attachments: [
        { name: "brief.pdf", size: null, path: "/home/ada/brief.pdf" },
        { name: "notes.txt", size: 2, blob: new Blob(["hi"]) },
      ],
    });
    const sentBody = JSON.parse(atob(sent[0]!.request.body!));
    expect(sentBody.attachments).toEqual([
      { name: "brief.pdf", content_base64: "UERG" },
      { name: "notes.txt", content_base64: "aGk=" },
    ]);
  });
});
