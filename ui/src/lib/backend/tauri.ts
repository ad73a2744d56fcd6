// The desktop app's backend: Tauri commands (thin adapters over the Rust service layer) and a
// `Channel` per live task stream. The commands are called through `commands.ts`, generated from
// their Rust definitions, so a command, argument or answer that does not match does not compile.
import { Channel } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open, save } from "@tauri-apps/plugin-dialog";
import {
  isPermissionGranted,
  requestPermission,
  sendNotification,
} from "@tauri-apps/plugin-notification";
import { openUrl, revealItemInDir } from "@tauri-apps/plugin-opener";
import type { Event, NewTask } from "../types/core";
import { type Backend, BackendError, toBackendError } from "./backend";
import { commands } from "./commands";
import { teamSwitch } from "./team";

/** A command's answer, or its `{code, message}` as a `BackendError`. */
async function call<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
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
      return call(commands.createTask(task));
    },
    getTask: (id) => call(commands.getTask(id)),
    listTasks: (q) =>
      call(commands.listTasks(q.limit, q.offset, q.status ?? null, q.q ?? null, null)),
    cancelTask: (id) => call(commands.cancelTask(id)),
    approvals: (taskId) => call(commands.approvals(taskId)),
    decideApproval: (taskId, approvalId, approve) => call(commands.decideApproval(taskId, approvalId, approve)),
    skills: () => call(commands.skills()),
    compileSkills: (taskIds) => call(commands.compileSkills(taskIds)),
    matchSkill: (prompt) => call(commands.matchSkill(prompt)),
    updateSkill: (id, patch) => call(commands.updateSkill(id, patch)),
    keepSkill: (id) => call(commands.keepSkill(id)),
    validateSkill: (id) => call(commands.validateSkill(id)),
    skillVersions: (id) => call(commands.skillVersions(id)),
    async importSkill(source) {
      if (source.kind !== "path") {
        throw new BackendError("invalid_input", "the app imports skills from files on this machine");
      }
      return call(commands.importSkill(source.path));
    },
    async exportSkill(skill) {
      const destination = await save({ defaultPath: `${skill.name}.zip`, title: `Export the skill ${skill.name}` });
      if (!destination) return false;
      await call(commands.saveSkillArchive(skill.id, destination));
      return true;
    },
    deleteSkill: (id) => call(commands.deleteSkill(id)),
    decideBudget: (taskId, decision, budget) => call(commands.decideBudget(taskId, decision, budget ?? null)),
    editPlan: (taskId, edit) => call(commands.editPlan(taskId, edit)),
    retrySubtask: (taskId, subtaskId, changes) => call(commands.retrySubtask(taskId, subtaskId, changes)),
    cancelSubtask: (taskId, subtaskId) => call(commands.cancelSubtask(taskId, subtaskId)),
    followUp: (taskId, message) => call(commands.followUp(taskId, message)),
    subscribe(taskId, after, onEvent) {
      let open = true;
      let subscription: number | null = null;
      const channel = new Channel<Event>();
      channel.onmessage = (event) => {
        if (open) onEvent(event);
      };
      call(commands.taskEvents(taskId, after, channel))
        .then((id) => {
          subscription = id;
          // Unsubscribed before the stream was set up: stop it now.
          if (!open) void call(commands.stopTaskEvents(id)).catch(() => {});
        })
        .catch((e) => console.error("subscribing to task events", e));
      // Unsubscribing stops the forwarder in Rust, not just the delivery here.
      return () => {
        open = false;
        if (subscription !== null) void call(commands.stopTaskEvents(subscription)).catch(() => {});
      };
    },
    deliverables: (taskId) => call(commands.deliverables(taskId)),
    preview: (taskId, deliverableId) => call(commands.previewDeliverable(taskId, deliverableId)),
    async download(d) {
      const base = d.name.split("/").pop() ?? d.name;
      const destination = await save({ defaultPath: base, title: `Save ${base}` });
      if (!destination) return false;
      await call(commands.saveDeliverable(d.task_id, d.id, destination));
      return true;
    },
    async downloadAll(taskId) {
      const destination = await save({ defaultPath: `${taskId}.zip`, title: "Save all deliverables" });
      if (!destination) return false;
      await call(commands.saveBundle(taskId, destination));
      return true;
    },
    provenance: (d) => call(commands.provenance(d.task_id, d.id)),
    deploy: (d) => call(commands.deploy(d.task_id, d.id)),
    deployments: (taskId) => call(commands.deployments(taskId)),
    takeDown: (taskId, deploymentId) => call(commands.takeDown(taskId, deploymentId)),
    share: (d, o) =>
      call(commands.share(d.task_id, d.id, o.expiresInHours, o.includeReplay)),
    shares: (taskId) => call(commands.shares(taskId)),
    revokeShare: (taskId, shareId) => call(commands.revokeShare(taskId, shareId)),
    pickFiles: async () => {
      const chosen = await open({ multiple: true, title: "Attach documents" });
      const paths = chosen === null ? [] : Array.isArray(chosen) ? chosen : [chosen];
      return paths.map((path) => ({ name: path.split(/[\\/]/).pop() ?? path, size: null, path }));
    },
    pickSkill: async (folder) => {
      const chosen = await open(
        folder
          ? { directory: true, title: "Import a skill folder" }
          : { title: "Import a skill", filters: [{ name: "Agent Skill", extensions: ["zip", "skill"] }] },
      );
      const path = Array.isArray(chosen) ? chosen[0] : chosen;
      return path ? { kind: "path", path } : null;
    },
    onDroppedPaths: (handler) => {
      let open = true;
      let unlisten: (() => void) | null = null;
      getCurrentWebview()
        .onDragDropEvent((e) => {
          if (e.payload.type === "drop") handler(e.payload.paths);
        })
        .then((u) => {
          if (open) unlisten = u;
          else u();
        })
        .catch((e) => console.error("listening for dropped files", e));
      return () => {
        open = false;
        unlisten?.();
      };
    },
    revealFolder: async (d) => {
      const path = await call(commands.deliverablePath(d.task_id, d.id));
      await revealItemInDir(path);
    },
    agentTypes: () => call(commands.agentTypes()),
    setAgentModel: (name, model) => call(commands.setAgentModel(name, model)),
    createAgentType: (input) => call(commands.createAgentType(input)),
    updateAgentType: (name, input) => call(commands.updateAgentType(name, input)),
    deleteAgentType: (name) => call(commands.deleteAgentType(name)),
    tools: () => call(commands.tools()),
    mcpServers: () => call(commands.mcpServers()),
    saveMcpServers: (servers) => call(commands.saveMcpServers(servers)),
    settings: () => call(commands.getSettings()),
    saveSettings: (update) => call(commands.saveSettings(update)),
    modelSetup: () => call(commands.modelSetup()),
    chooseModel: (choice) => call(commands.chooseModel(choice)),
    modelCatalog: () => call(commands.modelCatalog()),
    modelDownloads: () => call(commands.modelDownloads()),
    startDownload: (request) => call(commands.startDownload(request)),
    pauseDownload: (name) => call(commands.pauseDownload(name)),
    cancelDownload: (name) => call(commands.cancelDownload(name)),
    prices: () => call(commands.listPrices()),
    setPrice: (input) => call(commands.setPrice(input)),
    removePrice: (model) => call(commands.removePrice(model)),
    apiInfo: () => call(commands.apiInfo()),
    // The window is its user's own store: nobody signs in.
    signedIn: async () => null,
    signOut: null,
    team: teamSwitch,
    async notify(title, body) {
      let granted = await isPermissionGranted();
      if (!granted) granted = (await requestPermission()) === "granted";
      if (granted) sendNotification({ title, body });
    },
    openUrl: (url) => openUrl(url),
  };
}
