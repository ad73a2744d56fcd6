// Builders for tests: a mock Backend whose every method is a vitest spy, and sample data.
import { vi } from "vitest";
import type { Backend } from "../lib/backend";
import type { Deliverable, Event, Subtask, Task } from "../lib/types/core";

export function task(over: Partial<Task> = {}): Task {
  return {
    id: "task-0190a0b0c0d0e0f0a0b0c0d0e0f0a0b0",
    prompt: "Research the top 5 SaaS competitors to Notion",
    status: "running",
    total_tokens_used: 0,
    total_cost_cents: 0,
    created_at: "2026-11-28T10:00:00Z",
    subtasks: [],
    total_cost_usd: 0,
    title: null,
    workspace_id: null,
    model: "openai::gpt-4.1-mini",
    started_at: "2026-11-28T10:00:01Z",
    finished_at: null,
    error: null,
    steps: 0,
    budget: null,
    estimate: null,
    paused: null,
    skill_id: null,
    revision: 0,
    revisions: [],
    follow_ups: [],
    unmet: [],
    plan_review: null,
    awaiting_review: false,
    cost_unknown: false,
    owner: null,
    shared: false,
    ...over,
  };
}

export function subtask(id: string, over: Partial<Subtask> = {}): Subtask {
  return {
    id,
    agent_type: "researcher",
    status: "pending",
    title: `Title of ${id}`,
    description: `Description of ${id}`,
    depends_on: [],
    tokens_used: 0,
    cost_usd: 0,
    steps: 0,
    started_at: null,
    finished_at: null,
    output: null,
    error: null,
    revision: 0,
    attempt: 1,
    dropped: false,
    needs: [],
    cost_unknown: false,
    ...over,
  };
}

export function deliverable(name: string, over: Partial<Deliverable> = {}): Deliverable {
  return {
    id: `dlv-${name.replace(/\W/g, "")}`,
    task_id: task().id,
    name,
    mime_type: "text/csv; charset=utf-8",
    size_bytes: 14_200,
    sha256: "00",
    subtask_id: "st-1",
    created_at: "2026-11-28T10:01:00Z",
    ...over,
  };
}

let seq = 0;
/** An event of the sample task, with the next sequence number. */
export function event(kind: Record<string, unknown> & { type: string }): Event {
  seq += 1;
  return { seq, task_id: task().id, at: "2026-11-28T10:00:05Z", version: 1, ...kind } as Event;
}

export function mockBackend(over: Partial<Backend> = {}): Backend {
  return {
    kind: "http",
    createTask: vi.fn(async (t) => task({ prompt: t.prompt, status: "pending" })),
    getTask: vi.fn(async () => task()),
    listTasks: vi.fn(async () => []),
    cancelTask: vi.fn(async () => task({ status: "cancelled" })),
    approvals: vi.fn(async () => []),
    decideApproval: vi.fn(),
    decideBudget: vi.fn(async () => task()),
    editPlan: vi.fn(async () => task()),
    retrySubtask: vi.fn(async () => task()),
    cancelSubtask: vi.fn(async () => task()),
    followUp: vi.fn(async () => task()),
    skills: vi.fn(async () => []),
    compileSkills: vi.fn(async () => []),
    matchSkill: vi.fn(async () => null),
    deleteSkill: vi.fn(async () => {}),
    updateSkill: vi.fn(),
    keepSkill: vi.fn(),
    validateSkill: vi.fn(),
    skillVersions: vi.fn(async () => []),
    importSkill: vi.fn(),
    exportSkill: vi.fn(async () => true),
    subscribe: vi.fn(() => () => {}),
    deliverables: vi.fn(async () => []),
    preview: vi.fn(async () => ({ kind: "text" as const, text: "hello", truncated: false })),
    download: vi.fn(async () => true),
    downloadAll: vi.fn(async () => true),
    provenance: vi.fn(async () => ({ subtasks: [], sources: [] })),
    deploy: vi.fn(),
    deployments: vi.fn(async () => []),
    takeDown: vi.fn(async () => {}),
    share: vi.fn(),
    shares: vi.fn(async () => []),
    revokeShare: vi.fn(async () => {}),
    revealFolder: null,
    pickFiles: null,
    pickSkill: null,
    onDroppedPaths: null,
    agentTypes: vi.fn(async () => []),
    setAgentModel: vi.fn(),
    createAgentType: vi.fn(),
    updateAgentType: vi.fn(),
    deleteAgentType: vi.fn(async () => {}),
    tools: vi.fn(async () => ["fetch_url", "read_file", "write_file"]),
    mcpServers: vi.fn(async () => []),
    saveMcpServers: vi.fn(),
    settings: vi.fn(),
    saveSettings: vi.fn(),
    apiInfo: vi.fn(async () => null),
    signedIn: vi.fn(async () => null),
    signOut: null,
    team: null,
    modelSetup: vi.fn(async () => ({ keys: [], servers: [], local: [], current: "openai::gpt-4.1-mini", current_is_demo: false, chosen: true })),
    chooseModel: vi.fn(),
    modelCatalog: vi.fn(async () => ({ machine: { memory_bytes: 8e9, cores: 4, free_disk_bytes: 1e11 }, models: [], recommended: null, models_dir: "/m" })),
    modelDownloads: vi.fn(async () => []),
    startDownload: vi.fn(),
    pauseDownload: vi.fn(),
    cancelDownload: vi.fn(),
    prices: vi.fn(async () => []),
    setPrice: vi.fn(async () => []),
    removePrice: vi.fn(async () => []),
    notify: vi.fn(async () => {}),
    openUrl: vi.fn(async () => {}),
    ...over,
  } as Backend;
}
