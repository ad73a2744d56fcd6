// The browser backend: the REST + SSE API of `miteos serve` (or of the desktop app), on the
// origin that served this page. The bearer token arrives once in the URL fragment
// (`#token=…`, printed by `miteos serve`), is kept for the tab's session, and removed from the
// address bar. Requests go through openapi-fetch typed by `api.d.ts`, which is generated from
// the API's OpenAPI document: a path, parameter or body that the API does not take does not
// compile. Answers are the Rust types as `types/core.ts` (also generated) declares them.
import { createParser } from "eventsource-parser";
import createClient from "openapi-fetch";
import type { AttachmentBody, Event, NewTask } from "../types/core";
import type { paths } from "./api";
import { type AttachedFile, type Backend, BackendError, type PlanProblem, toBackendError } from "./backend";
import { base64 } from "./bytes";

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

/** Who a token is on this server (`GET /me`), keeping it for the tab's session when the server
 * knows it; `null` when it does not. */
export async function signIn(token: string): Promise<{ name: string | null; admin: boolean } | null> {
  const response = await fetch(`${location.origin}/me`, {
    headers: { Authorization: `Bearer ${token}` },
  }).catch(() => null);
  if (!response?.ok) return null;
  const me = (await response.json()) as { account: { name: string } | null; admin: boolean };
  sessionStorage.setItem(TOKEN_KEY, token);
  return { name: me.account?.name ?? null, admin: me.admin };
}

/** How an HTTP backend reaches its server when it is not this page's origin with `fetch`. */
export interface HttpOptions {
  /** The server's address; default: this page's origin. */
  base?: string;
  /** Carries every request (the app's `team_fetch`); default: the browser's fetch. */
  fetch?: typeof fetch;
  /** Saves a file the server serves at `path`; default: a browser download named `name`. */
  save?: (path: string, name: string) => Promise<boolean>;
  /** A task's document as the API takes it; default: the browser file's bytes. */
  attachment?: (file: AttachedFile) => Promise<AttachmentBody>;
}

/** A browser file as the API takes it. */
export async function fromBlob(file: AttachedFile): Promise<AttachmentBody> {
  if (!file.blob) throw new BackendError("invalid_input", `${file.name} has no content to send`);
  return { name: file.name, content_base64: await base64(file.blob) };
}

export function httpBackend(token: string, options: HttpOptions = {}): Backend {
  const base = options.base ?? "";
  const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const headers = (extra?: Record<string, string>) => ({
    Authorization: `Bearer ${token}`,
    ...extra,
  });

  const api = createClient<paths>({ baseUrl: base || location.origin, headers: headers(), fetch: send });

  /** An API call's answer, or a `BackendError` with the API's `{code, message}`. */
  async function answer<T>(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<T> {
    let result: { data?: unknown; error?: unknown; response: Response };
    try {
      result = await call;
    } catch (e) {
      throw new BackendError("unavailable", `Miteos is not reachable: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!result.response.ok) {
      const error = (result.error as { error?: { code: string; message: string; problems?: PlanProblem[] } } | undefined)
        ?.error;
      throw new BackendError(
        error?.code ?? "unavailable",
        error?.message ?? `HTTP ${result.response.status}`,
        error?.problems ?? [],
      );
    }
    return (result.data ?? null) as T;
  }

  /** Fetches an authorised file and hands it to the browser as a download named `name`. */
  async function download(path: string, name: string): Promise<boolean> {
    let response: Response;
    try {
      response = await send(base + path, { headers: headers() });
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
  const saveFrom = options.save ?? download;

  return {
    kind: "http",
    createTask: async (t) => {
      const body: NewTask<AttachmentBody> = {
        ...t,
        attachments: await Promise.all(t.attachments.map(options.attachment ?? fromBlob)),
      };
      return answer(api.POST("/tasks", { body }));
    },
    getTask: (id) => answer(api.GET("/tasks/{task_id}", { params: { path: { task_id: id } } })),
    listTasks: (q) =>
      answer(
        api.GET("/tasks", {
          params: {
            query: {
              limit: q.limit,
              offset: q.offset,
              status: q.status ?? undefined,
              q: q.q || undefined,
            },
          },
        }),
      ),
    cancelTask: (id) => answer(api.POST("/tasks/{task_id}/cancel", { params: { path: { task_id: id } } })),
    approvals: (taskId) =>
      answer(api.GET("/tasks/{task_id}/approvals", { params: { path: { task_id: taskId } } })),
    decideApproval: (taskId, approvalId, approve) =>
      answer(
        api.POST("/tasks/{task_id}/approvals/{approval_id}", {
          params: { path: { task_id: taskId, approval_id: approvalId } },
          body: { decision: approve ? "approve" : "deny" },
        }),
      ),
    skills: () => answer(api.GET("/skills")),
    compileSkills: (taskIds) => answer(api.POST("/skills/compile", { body: { task_ids: taskIds } })),
    matchSkill: (prompt) => answer(api.GET("/skills/match", { params: { query: { prompt } } })),
    updateSkill: (id, patch) =>
      answer(api.PATCH("/skills/{skill_id}", { params: { path: { skill_id: id } }, body: patch })),
    keepSkill: (id) => answer(api.POST("/skills/{skill_id}/keep", { params: { path: { skill_id: id } } })),
    validateSkill: (id) => answer(api.POST("/skills/{skill_id}/validate", { params: { path: { skill_id: id } } })),
    skillVersions: (id) => answer(api.GET("/skills/{skill_id}/versions", { params: { path: { skill_id: id } } })),
    importSkill: async (source) => {
      if (source.kind === "folder") {
        const files = await Promise.all(
          source.files.map(async (f) => ({
            path: f.path,
            content: await base64(f.blob),
            encoding: "base64" as const,
          })),
        );
        return answer(api.POST("/skills/import", { body: { files, from: source.name } }));
      }
      if (source.kind === "path") {
        throw new BackendError("invalid_input", "a browser imports skills from files it is given, not paths");
      }
      return answer(
        api.POST("/skills/import", {
          params: { query: { file_name: source.name } },
          // The archive's bytes as they are (not JSON).
          body: source.blob as never,
          bodySerializer: (b: unknown) => b as Blob,
          headers: { "Content-Type": "application/zip" },
        }),
      );
    },
    exportSkill: (skill) => saveFrom(`/skills/${encodeURIComponent(skill.id)}/archive`, `${skill.name}.zip`),
    deleteSkill: async (id) => {
      await answer(api.DELETE("/skills/{skill_id}", { params: { path: { skill_id: id } } }));
    },
    editPlan: (taskId, edit) =>
      answer(api.POST("/tasks/{task_id}/plan", { params: { path: { task_id: taskId } }, body: edit })),
    retrySubtask: (taskId, subtaskId, changes) =>
      answer(
        api.POST("/tasks/{task_id}/subtasks/{subtask_id}/retry", {
          params: { path: { task_id: taskId, subtask_id: subtaskId } },
          body: changes,
        }),
      ),
    cancelSubtask: (taskId, subtaskId) =>
      answer(
        api.POST("/tasks/{task_id}/subtasks/{subtask_id}/cancel", {
          params: { path: { task_id: taskId, subtask_id: subtaskId } },
        }),
      ),
    followUp: (taskId, message) =>
      answer(api.POST("/tasks/{task_id}/messages", { params: { path: { task_id: taskId } }, body: { message } })),
    decideBudget: (taskId, decision, budget) =>
      answer(
        api.POST("/tasks/{task_id}/budget", {
          params: { path: { task_id: taskId } },
          body: { decision, budget: budget ?? undefined },
        }),
      ),
    subscribe(taskId, after, onEvent) {
      const controller = new AbortController();
      let last = after;
      let finished = false;
      const run = async () => {
        let delay = 500;
        while (!finished && !controller.signal.aborted) {
          try {
            const response = await send(`${base}/tasks/${encodeURIComponent(taskId)}/events`, {
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
                // A follow-up or retry runs the task again: the stream goes on.
                if (event.type === "task_reopened") finished = false;
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
    deliverables: (taskId) =>
      answer(api.GET("/tasks/{task_id}/deliverables", { params: { path: { task_id: taskId } } })),
    preview: (taskId, id) =>
      answer(
        api.GET("/tasks/{task_id}/deliverables/{deliverable_id}/preview", {
          params: { path: { task_id: taskId, deliverable_id: id } },
        }),
      ),
    download: (d) =>
      saveFrom(
        `/tasks/${encodeURIComponent(d.task_id)}/deliverables/${encodeURIComponent(d.id)}/download`,
        d.name.split("/").pop() ?? d.name,
      ),
    downloadAll: (taskId) =>
      saveFrom(`/tasks/${encodeURIComponent(taskId)}/deliverables/bundle.zip`, `${taskId}.zip`),
    provenance: (d) =>
      answer(
        api.GET("/tasks/{task_id}/deliverables/{deliverable_id}/provenance", {
          params: { path: { task_id: d.task_id, deliverable_id: d.id } },
        }),
      ),
    deploy: (d) =>
      answer(
        api.POST("/tasks/{task_id}/deliverables/{deliverable_id}/deploy", {
          params: { path: { task_id: d.task_id, deliverable_id: d.id } },
          body: {},
        }),
      ),
    deployments: (taskId) =>
      answer(api.GET("/tasks/{task_id}/deployments", { params: { path: { task_id: taskId } } })),
    takeDown: (taskId, id) =>
      answer(
        api.DELETE("/tasks/{task_id}/deployments/{deployment_id}", {
          params: { path: { task_id: taskId, deployment_id: id } },
        }),
      ),
    share: (d, o) =>
      answer(
        api.POST("/tasks/{task_id}/deliverables/{deliverable_id}/share", {
          params: { path: { task_id: d.task_id, deliverable_id: d.id } },
          body: { expires_in_hours: o.expiresInHours ?? undefined, include_replay: o.includeReplay },
        }),
      ),
    shares: (taskId) => answer(api.GET("/tasks/{task_id}/shares", { params: { path: { task_id: taskId } } })),
    revokeShare: (taskId, id) =>
      answer(
        api.DELETE("/tasks/{task_id}/shares/{share_id}", { params: { path: { task_id: taskId, share_id: id } } }),
      ),
    revealFolder: null,
    pickFiles: null,
    pickSkill: null,
    onDroppedPaths: null,
    agentTypes: () => answer(api.GET("/agent-types")),
    setAgentModel: (name, model) =>
      answer(api.PUT("/agent-types/{name}/model", { params: { path: { name } }, body: { model } })),
    createAgentType: (input) => answer(api.POST("/agent-types", { body: input })),
    updateAgentType: (name, input) =>
      answer(api.PUT("/agent-types/{name}", { params: { path: { name } }, body: input })),
    deleteAgentType: (name) => answer(api.DELETE("/agent-types/{name}", { params: { path: { name } } })),
    tools: () => answer(api.GET("/tools")),
    mcpServers: () => answer(api.GET("/mcp-servers")),
    saveMcpServers: (servers) => answer(api.PUT("/mcp-servers", { body: servers })),
    settings: () => answer(api.GET("/settings")),
    saveSettings: (update) => answer(api.PUT("/settings", { body: update })),
    modelSetup: () => answer(api.GET("/models/setup")),
    chooseModel: (choice) => answer(api.POST("/models/choice", { body: choice })),
    modelCatalog: () => answer(api.GET("/models/catalog")),
    modelDownloads: () => answer(api.GET("/models/downloads")),
    startDownload: (request) => answer(api.POST("/models/downloads", { body: request })),
    pauseDownload: (name) => answer(api.POST("/models/downloads/{name}/pause", { params: { path: { name } } })),
    cancelDownload: (name) => answer(api.POST("/models/downloads/{name}/cancel", { params: { path: { name } } })),
    prices: () => answer(api.GET("/prices")),
    setPrice: (input) => answer(api.PUT("/prices", { body: input })),
    removePrice: (model) => answer(api.DELETE("/prices", { params: { query: { model } } })),
    apiInfo: async () => ({ url: location.origin, token }),
    signedIn: async () => {
      const me = await answer<{ account: { name: string } | null; admin: boolean }>(api.GET("/me"));
      return me.account ? { name: me.account.name, admin: me.admin } : null;
    },
    signOut: () => {
      sessionStorage.removeItem(TOKEN_KEY);
      location.reload();
    },
    team: null,
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
