// The one interface the War Room talks to. Two implementations: `tauri.ts` (commands and
// channels inside the desktop app) and `http.ts` (REST + SSE against `miteos serve`), so the same
// UI runs in the app and in a browser. Tests mock it.
import type {
  AgentType,
  Approval,
  AgentTypeInput,
  Catalog,
  Download,
  DownloadRequest,
  ModelChoice,
  ModelSetup,
  PriceEntry,
  PriceInput,
  BudgetChange,
  BudgetDecision,
  Deliverable,
  Deployment,
  Event,
  McpServer,
  McpServerState,
  NewTask,
  PlanEdit,
  Preview,
  Provenance,
  Share,
  Settings,
  Skill,
  SkillMatch,
  SkillPatch,
  SettingsUpdate,
  SubtaskEdit,
  Task,
  TaskStatus,
  TeamServer,
} from "../types/core";

export interface HistoryQuery {
  limit: number;
  offset: number;
  status?: TaskStatus | null;
  q?: string | null;
}


/** A document chosen for a task: a path on this machine (desktop app) or a browser file. */
export interface AttachedFile {
  name: string;
  /** Bytes, when known (browser files). */
  size: number | null;
  path?: string;
  blob?: Blob;
}

/** A skill to import, as the user dropped or picked it: a folder's files (paths starting with
 * the folder's name, as the standard names the skill after its folder), a .zip / .skill file,
 * or (in the app) a folder or file on this machine by its path. */
export type SkillSource =
  | { kind: "folder"; name: string; files: { path: string; blob: Blob }[] }
  | { kind: "archive"; name: string; blob: Blob }
  | { kind: "path"; path: string };

export interface ShareOptions {
  /** 1 to 2160; default 168 (7 days). */
  expiresInHours: number | null;
  includeReplay: boolean;
}

export interface ApiInfo {
  url: string;
  token: string;
}

/** Stops a live subscription. */
export type Unsubscribe = () => void;

export interface Backend {
  /** `team`: the desktop app working on a team's server (through the app). */
  readonly kind: "tauri" | "http" | "team";
  /** Starts a task: the service's `NewTask`, with the documents as this window has them. */
  createTask(task: NewTask<AttachedFile>): Promise<Task>;
  getTask(id: string): Promise<Task>;
  listTasks(query: HistoryQuery): Promise<Task[]>;
  cancelTask(id: string): Promise<Task>;
  /** The task's approval requests, oldest first. */
  approvals(taskId: string): Promise<Approval[]>;
  /** Approves or denies a pending request. */
  decideApproval(taskId: string, approvalId: string, approve: boolean): Promise<Approval>;
  /** Answers a task paused on its budget: raise (the limit doubled, or `budget`) or stop. */
  decideBudget(taskId: string, decision: BudgetDecision, budget?: BudgetChange | null): Promise<Task>;
  /** Approves the plan under review (after `edit`), or applies `edit` to the task's plan (a
   * finished task runs again). */
  editPlan(taskId: string, edit: PlanEdit): Promise<Task>;
  /** Runs a failed, cancelled or completed subtask again, its instructions changed by `changes`. */
  retrySubtask(taskId: string, subtaskId: string, changes: SubtaskEdit): Promise<Task>;
  /** Cancels one subtask of a running task; the task goes on without it. */
  cancelSubtask(taskId: string, subtaskId: string): Promise<Task>;
  /** A follow-up message on a finished task: it runs again on top of what it did. */
  followUp(taskId: string, message: string): Promise<Task>;
  /** The skills library, newest first: compiled from completed tasks, or imported. */
  skills(): Promise<Skill[]>;
  /** Compiles completed tasks (these, or the newest) into skills. */
  compileSkills(taskIds: string[]): Promise<Skill[]>;
  /** The skill a prompt would run from, or `null`. */
  matchSkill(prompt: string): Promise<SkillMatch | null>;
  /** Deletes a skill (also how one the compiler offered is discarded). */
  deleteSkill(id: string): Promise<void>;
  /** Renames a skill, turns it on or off, or sets the agent types it is off for. */
  updateSkill(id: string, patch: SkillPatch): Promise<Skill>;
  /** Keeps a skill the compiler made by itself. */
  keepSkill(id: string): Promise<Skill>;
  /** Starts a recipe's validation run; the skill is a `candidate` until it ends. */
  validateSkill(id: string): Promise<Skill>;
  /** Every version of a skill, newest first. */
  skillVersions(id: string): Promise<Skill[]>;
  /** Imports an Agent Skills folder (its files, paths under the folder's name) or a .zip /
   * .skill file. */
  importSkill(source: SkillSource): Promise<Skill>;
  /** Saves the skill as a .zip other agents install; `false` when the user cancelled. */
  exportSkill(skill: Skill): Promise<boolean>;
  /** Events of a task after `after` (journal, then live) until `task_finished`. */
  subscribe(taskId: string, after: number, onEvent: (event: Event) => void): Unsubscribe;
  deliverables(taskId: string): Promise<Deliverable[]>;
  preview(taskId: string, deliverableId: string): Promise<Preview>;
  /** Saves the file where the user chooses (native dialog in the app, a download in a browser).
   * Resolves `false` when the user cancelled. */
  download(deliverable: Deliverable): Promise<boolean>;
  /** Saves all of the task's deliverables as one zip; `false` when the user cancelled. */
  downloadAll(taskId: string): Promise<boolean>;
  provenance(deliverable: Deliverable): Promise<Provenance>;
  deploy(deliverable: Deliverable): Promise<Deployment>;
  deployments(taskId: string): Promise<Deployment[]>;
  takeDown(taskId: string, deploymentId: string): Promise<void>;
  /** A public link; its `url` is shown only in this answer. */
  share(deliverable: Deliverable, options: ShareOptions): Promise<Share>;
  shares(taskId: string): Promise<Share[]>;
  revokeShare(taskId: string, shareId: string): Promise<void>;
  /** Opens the folder holding the file; `null` when this backend cannot (a browser). */
  revealFolder: ((deliverable: Deliverable) => Promise<void>) | null;
  /** The native open dialog (desktop app); `null` where a file input is used instead. */
  pickFiles: (() => Promise<AttachedFile[]>) | null;
  /** Picks a skill folder (or, `folder` false, a .zip / .skill file) in a native dialog; `null`
   * where the page picks with its own file input (browsers). */
  pickSkill: ((folder: boolean) => Promise<SkillSource | null>) | null;
  /** Calls `handler` with the paths of files or folders dropped on the window, until the
   * returned function is called; `null` where the page handles drops itself (browsers). */
  onDroppedPaths: ((handler: (paths: string[]) => void) => () => void) | null;
  agentTypes(): Promise<AgentType[]>;
  setAgentModel(name: string, model: string | null): Promise<AgentType>;
  createAgentType(input: AgentTypeInput): Promise<AgentType>;
  updateAgentType(name: string, input: AgentTypeInput): Promise<AgentType>;
  deleteAgentType(name: string): Promise<void>;
  /** The tools agent types can be given. */
  tools(): Promise<string[]>;
  /** The MCP servers with their tools (starting them), or why one did not start. */
  mcpServers(): Promise<McpServerState[]>;
  saveMcpServers(servers: McpServer[]): Promise<McpServerState[]>;
  settings(): Promise<Settings>;
  saveSettings(update: SettingsUpdate): Promise<Settings>;
  /** What "How should Miteos think?" offers: keys, model servers and local models found here. */
  modelSetup(): Promise<ModelSetup>;
  /** Makes a model the one new tasks run on (a pasted key is checked first). */
  chooseModel(choice: ModelChoice): Promise<ModelSetup>;
  /** The catalog of recommended local models for this machine. */
  modelCatalog(): Promise<Catalog>;
  modelDownloads(): Promise<Download[]>;
  /** Starts or resumes a download: a catalog model by `name`, or a GGUF file by `url`. */
  startDownload(request: DownloadRequest): Promise<Download>;
  pauseDownload(name: string): Promise<Download>;
  cancelDownload(name: string): Promise<Download>;
  prices(): Promise<PriceEntry[]>;
  setPrice(input: PriceInput): Promise<PriceEntry[]>;
  removePrice(model: string): Promise<PriceEntry[]>;
  apiInfo(): Promise<ApiInfo | null>;
  /** The account this War Room is signed in with on a team's server; `null` in the desktop app
   * and with the server's own token. */
  signedIn(): Promise<SignedIn | null>;
  /** Forgets the token and asks for one again (a browser), or goes back to this computer (the
   * app on a team's server); `null` where there is no signing in. */
  signOut: (() => void) | null;
  /** The desktop app's switch between this computer and a team's server; `null` in a browser. */
  team: TeamSwitch | null;
  notify(title: string, body: string): Promise<void>;
  openUrl(url: string): Promise<void>;
}

/** A person signed in to a team's server. */
export interface SignedIn {
  name: string;
  admin: boolean;
}

/** The desktop app's team server: remembered with the person's token (kept by the app, not the
 * window). A switch takes effect when the window reloads. */
export interface TeamSwitch {
  /** The server remembered, and whether the War Room works on it; `null`: none. */
  current(): Promise<TeamServer | null>;
  /** Checks the address and token with the server, remembers them and works on it. */
  connect(url: string, token: string): Promise<TeamServer>;
  /** Works on the remembered server (`true`) or on this computer (`false`). */
  use(active: boolean): Promise<void>;
  /** Forgets the server and its token. */
  forget(): Promise<void>;
}

/** A request the app carries to its team server (`team_fetch`). */
export interface TeamFetch {
  method: string;
  /** After the server's address, with the query. */
  path: string;
  headers: [string, string][];
  /** The body's bytes in base64. */
  body: string | null;
}

/** The team server's status and headers; the body follows on the channel. */
export interface TeamFetched {
  stream: number;
  status: number;
  headers: [string, string][];
}

/** What the app sends on a `team_fetch` channel: the body's chunks, then its end. */
export type InvokeResponseBody = ArrayBuffer | { end: true; error: string | null };

/** One thing wrong with a plan or an edit of it, naming the subtask and field at fault. */
export interface PlanProblem {
  subtask?: string | null;
  field?: string | null;
  message: string;
}

/** Every backend failure: the `{code, message}` of the core's typed errors, and a refused plan
 * edit's problems. */
export class BackendError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly problems: PlanProblem[] = [],
  ) {
    super(message);
    this.name = "BackendError";
  }
}

/** The plan problems an error carries (none unless a plan edit was refused). */
export function planProblems(e: unknown): PlanProblem[] {
  return e instanceof BackendError ? e.problems : [];
}

/** Turns anything thrown by a transport into a `BackendError` with words a user can act on. */
export function toBackendError(e: unknown): BackendError {
  if (e instanceof BackendError) return e;
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const problems = "problems" in e && Array.isArray(e.problems) ? (e.problems as PlanProblem[]) : [];
    return new BackendError(String(e.code), String(e.message), problems);
  }
  if (e instanceof Error) return new BackendError("unavailable", e.message);
  return new BackendError("unavailable", String(e));
}
