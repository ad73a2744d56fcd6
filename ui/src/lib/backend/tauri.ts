// The desktop app's backend: Tauri commands (thin adapters over the Rust service layer) and a
// `Channel` per live task stream.
import { Channel, invoke } from "@tauri-apps/api/core";
import { open, save } from "@tauri-apps/plugin-dialog";
import {
  isPermissionGranted,
  requestPermission,
  sendNotification,
} from "@tauri-apps/plugin-notification";
import { openUrl, revealItemInDir } from "@tauri-apps/plugin-opener";
import type { Event, NewTask } from "../types/core";
import { type ApiInfo, type Backend, toBackendError } from "./backend";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toBackendError(e);
  }
}

export function tauriBackend(): Backend {
  return {
    kind: "tauri",
    createTask: (t) => {
      // Paths picked in the open dialog; the app reads them (and only those).
      const task: NewTask<string> = { ...t, attachments: t.attachments.flatMap((a) => (a.path ? [a.path] : [])) };
      return call("create_task", { task });
    },
    getTask: (id) => call("get_task", { taskId: id }),
    listTasks: (q) =>
      call("list_tasks", {
        limit: q.limit,
        offset: q.offset,
        status: q.status ?? null,
        q: q.q ?? null,
      }),
    cancelTask: (id) => call("cancel_task", { taskId: id }),
    approvals: (taskId) => call("approvals", { taskId }),
    decideApproval: (taskId, approvalId, approve) => call("decide_approval", { taskId, approvalId, approve }),
    skills: () => call("skills"),
    compileSkills: (taskIds) => call("compile_skills", { taskIds }),
    matchSkill: (prompt) => call("match_skill", { prompt }),
    renameSkill: (id, name) => call("rename_skill", { skillId: id, name }),
    deleteSkill: (id) => call("delete_skill", { skillId: id }),
    decideBudget: (taskId, decision, budget) => call("decide_budget", { taskId, decision, budget: budget ?? null }),
    subscribe(taskId, after, onEvent) {
      let open = true;
      let subscription: number | null = null;
      const channel = new Channel<Event>();
      channel.onmessage = (event) => {
        if (open) onEvent(event);
      };
      call<number>("task_events", { taskId, after, onEvent: channel })
        .then((id) => {
          subscription = id;
          // Unsubscribed before the stream was set up: stop it now.
          if (!open) void call("stop_task_events", { subscription: id }).catch(() => {});
        })
        .catch((e) => console.error("subscribing to task events", e));
      // Unsubscribing stops the forwarder in Rust, not just the delivery here.
      return () => {
        open = false;
        if (subscription !== null) void call("stop_task_events", { subscription }).catch(() => {});
      };
    },
    deliverables: (taskId) => call("deliverables", { taskId }),
    preview: (taskId, deliverableId) => call("preview_deliverable", { taskId, deliverableId }),
    async download(d) {
      const base = d.name.split("/").pop() ?? d.name;
      const destination = await save({ defaultPath: base, title: `Save ${base}` });
      if (!destination) return false;
      await call("save_deliverable", {
        taskId: d.task_id,
        deliverableId: d.id,
        destination,
      });
      return true;
    },
    async downloadAll(taskId) {
      const destination = await save({ defaultPath: `${taskId}.zip`, title: "Save all deliverables" });
      if (!destination) return false;
      await call("save_bundle", { taskId, destination });
      return true;
    },
    provenance: (d) => call("provenance", { taskId: d.task_id, deliverableId: d.id }),
    deploy: (d) => call("deploy", { taskId: d.task_id, deliverableId: d.id }),
    deployments: (taskId) => call("deployments", { taskId }),
    takeDown: (taskId, deploymentId) => call("take_down", { taskId, deploymentId }),
    share: (d, o) =>
      call("share", {
        taskId: d.task_id,
        deliverableId: d.id,
        expiresInHours: o.expiresInHours,
        includeReplay: o.includeReplay,
      }),
    shares: (taskId) => call("shares", { taskId }),
    revokeShare: (taskId, shareId) => call("revoke_share", { taskId, shareId }),
    pickFiles: async () => {
      const chosen = await open({ multiple: true, title: "Attach documents" });
      const paths = chosen === null ? [] : Array.isArray(chosen) ? chosen : [chosen];
      return paths.map((path) => ({ name: path.split(/[\\/]/).pop() ?? path, size: null, path }));
    },
    revealFolder: async (d) => {
      const path = await call<string>("deliverable_path", {
        taskId: d.task_id,
        deliverableId: d.id,
      });
      await revealItemInDir(path);
    },
    agentTypes: () => call("agent_types"),
    setAgentModel: (name, model) => call("set_agent_model", { name, model }),
    createAgentType: (input) => call("create_agent_type", { input }),
    updateAgentType: (name, input) => call("update_agent_type", { name, input }),
    deleteAgentType: (name) => call("delete_agent_type", { name }),
    tools: () => call("tools"),
    mcpServers: () => call("mcp_servers"),
    saveMcpServers: (servers) => call("save_mcp_servers", { servers }),
    settings: () => call("get_settings"),
    saveSettings: (update) => call("save_settings", { update }),
    apiInfo: () => call<ApiInfo | null>("api_info"),
    async notify(title, body) {
      let granted = await isPermissionGranted();
      if (!granted) granted = (await requestPermission()) === "granted";
      if (granted) sendNotification({ title, body });
    },
    openUrl: (url) => openUrl(url),
  };
}
