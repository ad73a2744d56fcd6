// The browser backend: the REST + SSE API of `miteos serve` (or of the desktop app), on the
// origin that served this page. The bearer token arrives once in the URL fragment
// (`#token=…`, printed by `miteos serve`), is kept for the tab's session, and removed from the
// address bar.
import { createParser } from "eventsource-parser";
import type { AttachmentBody, Event, NewTask } from "../types/core";
import { type Backend, BackendError, toBackendError } from "./backend";

const TOKEN_KEY = "miteos-token";

/** Reads the token from `#token=…` (then hides it) or from this tab's session. */
export function takeToken(): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match?.[1]) {
    const token = decodeURIComponent(match[1]);
    sessionStorage.setItem(TOKEN_KEY, token);
    history.replaceState(null, "", location.pathname + location.search);
    return token;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** A browser file's bytes as standard base64. */
async function base64(blob: Blob | undefined): Promise<string> {
  if (!blob) return "";
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function httpBackend(token: string, base = ""): Backend {
  const headers = (extra?: Record<string, string>) => ({
    Authorization: `Bearer ${token}`,
    ...extra,
  });

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(base + path, {
        method,
        headers: headers(body === undefined ? undefined : { "Content-Type": "application/json" }),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new BackendError("unavailable", `Miteos is not reachable: ${String(e)}`);
    }
    const text = await response.text();
    const json: unknown = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const error = (json as { error?: { code: string; message: string } } | null)?.error;
      throw new BackendError(
        error?.code ?? "unavailable",
        error?.message ?? `HTTP ${response.status}`,
      );
    }
    return json as T;
  }

  /** Fetches an authorised file and hands it to the browser as a download named `name`. */
  async function saveFrom(path: string, name: string): Promise<boolean> {
    let response: Response;
    try {
      response = await fetch(base + path, { headers: headers() });
    } catch (e) {
      throw toBackendError(e);
    }
    if (!response.ok) throw new BackendError("unavailable", `download failed: HTTP ${response.status}`);
    const href = URL.createObjectURL(await response.blob());
    const a = document.createElement("a");
    a.href = href;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 60_000);
    return true;
  }

  const query = (params: Record<string, string | number | null | undefined>) => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== null && v !== undefined && v !== "") search.set(k, String(v));
    }
    return search.toString();
  };

  return {
    kind: "http",
    createTask: async (t) => {
      const task: NewTask<AttachmentBody> = {
        ...t,
        attachments: await Promise.all(
          t.attachments.map(async (a) => ({ name: a.name, content_base64: await base64(a.blob) })),
        ),
      };
      return request("POST", "/tasks", task);
    },
    getTask: (id) => request("GET", `/tasks/${encodeURIComponent(id)}`),
    listTasks: (q) =>
      request("GET", `/tasks?${query({ limit: q.limit, offset: q.offset, status: q.status, q: q.q })}`),
    cancelTask: (id) => request("POST", `/tasks/${encodeURIComponent(id)}/cancel`),
    approvals: (taskId) => request("GET", `/tasks/${encodeURIComponent(taskId)}/approvals`),
    decideApproval: (taskId, approvalId, approve) =>
      request("POST", `/tasks/${encodeURIComponent(taskId)}/approvals/${encodeURIComponent(approvalId)}`, {
        decision: approve ? "approve" : "deny",
      }),
    skills: () => request("GET", "/skills"),
    compileSkills: (taskIds) => request("POST", "/skills/compile", { task_ids: taskIds }),
    matchSkill: (prompt) => request("GET", `/skills/match?${query({ prompt })}`),
    renameSkill: (id, name) => request("PATCH", `/skills/${encodeURIComponent(id)}`, { name }),
    deleteSkill: async (id) => {
      await request("DELETE", `/skills/${encodeURIComponent(id)}`);
    },
    decideBudget: (taskId, decision, budget) =>
      request("POST", `/tasks/${encodeURIComponent(taskId)}/budget`, { decision, budget: budget ?? undefined }),
    subscribe(taskId, after, onEvent) {
      const controller = new AbortController();
      let last = after;
      let finished = false;
      const run = async () => {
        let delay = 500;
        while (!finished && !controller.signal.aborted) {
          try {
            const response = await fetch(`${base}/tasks/${encodeURIComponent(taskId)}/events`, {
              headers: headers({ "Last-Event-ID": String(last), Accept: "text/event-stream" }),
              signal: controller.signal,
            });
            if (!response.ok || !response.body) {
              if (response.status === 404 || response.status === 401) return;
              throw new Error(`HTTP ${response.status}`);
            }
            delay = 500;
            const parser = createParser({
              onEvent(message) {
                const event = JSON.parse(message.data) as Event;
                last = event.seq;
                if (event.type === "task_finished") finished = true;
                onEvent(event);
              },
            });
            const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              parser.feed(value);
            }
          } catch (e) {
            if (controller.signal.aborted) return;
            console.warn("event stream interrupted; resuming", e);
          }
          if (!finished) {
            await new Promise((r) => setTimeout(r, delay));
            delay = Math.min(delay * 2, 5000);
          }
        }
      };
      void run();
      return () => controller.abort();
    },
    deliverables: (taskId) => request("GET", `/tasks/${encodeURIComponent(taskId)}/deliverables`),
    preview: (taskId, id) =>
      request(
        "GET",
        `/tasks/${encodeURIComponent(taskId)}/deliverables/${encodeURIComponent(id)}/preview`,
      ),
    download: (d) =>
      saveFrom(
        `/tasks/${encodeURIComponent(d.task_id)}/deliverables/${encodeURIComponent(d.id)}/download`,
        d.name.split("/").pop() ?? d.name,
      ),
    downloadAll: (taskId) =>
      saveFrom(`/tasks/${encodeURIComponent(taskId)}/deliverables/bundle.zip`, `${taskId}.zip`),
    provenance: (d) =>
      request("GET", `/tasks/${encodeURIComponent(d.task_id)}/deliverables/${encodeURIComponent(d.id)}/provenance`),
    deploy: (d) =>
      request("POST", `/tasks/${encodeURIComponent(d.task_id)}/deliverables/${encodeURIComponent(d.id)}/deploy`),
    deployments: (taskId) => request("GET", `/tasks/${encodeURIComponent(taskId)}/deployments`),
    takeDown: (taskId, id) =>
      request("DELETE", `/tasks/${encodeURIComponent(taskId)}/deployments/${encodeURIComponent(id)}`),
    share: (d, o) =>
      request("POST", `/tasks/${encodeURIComponent(d.task_id)}/deliverables/${encodeURIComponent(d.id)}/share`, {
        expires_in_hours: o.expiresInHours ?? undefined,
        include_replay: o.includeReplay,
      }),
    shares: (taskId) => request("GET", `/tasks/${encodeURIComponent(taskId)}/shares`),
    revokeShare: (taskId, id) =>
      request("DELETE", `/tasks/${encodeURIComponent(taskId)}/shares/${encodeURIComponent(id)}`),
    revealFolder: null,
    pickFiles: null,
    agentTypes: () => request("GET", "/agent-types"),
    setAgentModel: (name, model) =>
      request("PUT", `/agent-types/${encodeURIComponent(name)}/model`, { model }),
    createAgentType: (input) => request("POST", "/agent-types", input),
    updateAgentType: (name, input) => request("PUT", `/agent-types/${encodeURIComponent(name)}`, input),
    deleteAgentType: (name) => request("DELETE", `/agent-types/${encodeURIComponent(name)}`),
    tools: () => request("GET", "/tools"),
    mcpServers: () => request("GET", "/mcp-servers"),
    saveMcpServers: (servers) => request("PUT", "/mcp-servers", servers),
    settings: () => request("GET", "/settings"),
    saveSettings: (update) => request("PUT", "/settings", update),
    apiInfo: async () => ({ url: location.origin, token }),
    async notify(title, body) {
      if (!("Notification" in window)) return;
      if (Notification.permission === "default") await Notification.requestPermission();
      if (Notification.permission === "granted") new Notification(title, { body });
    },
    openUrl: async (url) => {
      window.open(url, "_blank", "noopener");
    },
  };
}
