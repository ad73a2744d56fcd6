// The War Room under load: the real App with a synthetic backend whose one task has 20 subtasks
// streaming output at once (each at the core's coalescing rate, one event per 100 ms), plus tool
// calls and usage. Measures frame intervals (requestAnimationFrame) and event-to-frame delay, and
// publishes them as `window.__result` for bench/stream.mjs. With `?mode=fan-out`, the task is one
// fan-out over 100 items instead, 20 in flight (the provider's limit), each streaming for 1 s and
// then merged into the fan-out's table.
import { mount } from "svelte";
import "../src/app.css";
import App from "../src/App.svelte";
import type { Backend } from "../src/lib/backend";
import type { Event, Task } from "../src/lib/types/core";

const FAN_OUT = new URLSearchParams(location.search).get("mode") === "fan-out";
const SUBTASKS = 20;
const ITEMS = 100;
const SECONDS = FAN_OUT ? 5 : 10;
const TICK_MS = 100;
const id = "task-bench";
let seq = 0;
const at = () => new Date().toISOString();
const ev = (kind: Record<string, unknown>): Event => ({ seq: ++seq, task_id: id, at: at(), version: 1, ...kind }) as Event;

const task: Task = {
  id, prompt: "Benchmark: 20 agents streaming at once", status: "running", total_tokens_used: 0,
  total_cost_cents: 0, created_at: at(), subtasks: [], total_cost_usd: 0, title: null,
  workspace_id: null, model: "bench::synthetic", started_at: at(), finished_at: null, error: null,
  steps: 0, budget: null, estimate: null, paused: null, skill_id: null,
  revision: 0, revisions: [], follow_ups: [], unmet: [], plan_review: null, awaiting_review: false,
  cost_unknown: false, owner: null, shared: false,
};

const delays: number[] = [];
let listener: ((e: Event) => void) | null = null;

const backend: Backend = {
  kind: "http",
  createTask: async () => task,
  getTask: async () => structuredClone(task),
  listTasks: async () => [structuredClone(task)],
  cancelTask: async () => task,
  approvals: async () => [],
  decideApproval: async () => { throw new Error("not in the benchmark"); },
  decideBudget: async () => { throw new Error("not in the benchmark"); },
  editPlan: async () => { throw new Error("not in the benchmark"); },
  retrySubtask: async () => { throw new Error("not in the benchmark"); },
  cancelSubtask: async () => { throw new Error("not in the benchmark"); },
  followUp: async () => { throw new Error("not in the benchmark"); },
  skills: async () => [],
  compileSkills: async () => [],
  matchSkill: async () => null,
  deleteSkill: async () => {},
  updateSkill: async () => { throw new Error("not in the benchmark"); },
  keepSkill: async () => { throw new Error("not in the benchmark"); },
  validateSkill: async () => { throw new Error("not in the benchmark"); },
  skillVersions: async () => [],
  importSkill: async () => { throw new Error("not in the benchmark"); },
  exportSkill: async () => false,
  subscribe(_taskId, _after, onEvent) {
    listener = onEvent;
    return () => (listener = null);
  },
  deliverables: async () => [],
  preview: async () => ({ kind: "none", reason: "" }),
  download: async () => false,
  downloadAll: async () => false,
  provenance: async () => ({ subtasks: [], sources: [] }),
  deploy: async () => { throw new Error("not in the benchmark"); },
  deployments: async () => [],
  takeDown: async () => {},
  share: async () => { throw new Error("not in the benchmark"); },
  shares: async () => [],
  revokeShare: async () => {},
  revealFolder: null,
  pickFiles: null,
  pickSkill: null,
  onDroppedPaths: null,
  agentTypes: async () => [],
  setAgentModel: async () => { throw new Error("not in the benchmark"); },
  createAgentType: async () => { throw new Error("not in the benchmark"); },
  updateAgentType: async () => { throw new Error("not in the benchmark"); },
  deleteAgentType: async () => {},
  tools: async () => [],
  mcpServers: async () => [],
  saveMcpServers: async () => { throw new Error("not in the benchmark"); },
  settings: async () => { throw new Error("not in the benchmark"); },
  saveSettings: async () => { throw new Error("not in the benchmark"); },
  apiInfo: async () => null,
  signedIn: async () => null,
  signOut: null,
  team: null,
  modelSetup: async () => { throw new Error("not in the benchmark"); },
  chooseModel: async () => { throw new Error("not in the benchmark"); },
  modelCatalog: async () => { throw new Error("not in the benchmark"); },
  modelDownloads: async () => [],
  startDownload: async () => { throw new Error("not in the benchmark"); },
  pauseDownload: async () => { throw new Error("not in the benchmark"); },
  cancelDownload: async () => { throw new Error("not in the benchmark"); },
  prices: async () => [],
  setPrice: async () => [],
  removePrice: async () => [],
  notify: async () => {},
  openUrl: async () => {},
};

mount(App, { target: document.getElementById("app")!, props: { backend } });

const words = "Confluence Standard costs $5.16 per user per month; Coda charges per doc maker. ".repeat(2);

async function run() {
  // Wait for the App to open the running task and subscribe.
  while (!listener) await new Promise((r) => setTimeout(r, 20));
  const emit = (e: Event) => listener?.(e);
  emit(ev({ type: "task_started" }));
  if (FAN_OUT) return fanOut(emit);
  emit(ev({
    type: "plan_ready", title: "Benchmark",
    subtasks: Array.from({ length: SUBTASKS }, (_, i) => ({
      id: `st-${i + 1}`, title: `Agent ${i + 1}`, description: "stream", agent_type: "researcher", depends_on: [],
    })),
  }));
  for (let i = 1; i <= SUBTASKS; i++) emit(ev({ type: "subtask_started", subtask_id: `st-${i}`, agent_type: "researcher" }));

  const frames = measureFrames();

  let events = 0;
  const ticks = (SECONDS * 1000) / TICK_MS;
  for (let tick = 0; tick < ticks; tick++) {
    const sent = performance.now();
    for (let i = 1; i <= SUBTASKS; i++) {
      const subtask_id = `st-${i}`;
      emit(ev({ type: "agent_output", subtask_id, text: words }));
      events++;
      if (tick % 10 === 0) {
        emit(ev({ type: "tool_call_started", subtask_id, call_id: `c-${tick}-${i}`, tool: "fetch_url", arguments: { url: "http://127.0.0.1/x" } }));
        emit(ev({ type: "tool_call_finished", subtask_id, call_id: `c-${tick}-${i}`, tool: "fetch_url", ok: true, result: "page" }));
        emit(ev({ type: "usage", subtask_id, input_tokens: 100, output_tokens: 50, cost_usd: 0.0001, task_total_tokens: tick * 150 * SUBTASKS, task_total_cost_cents: tick }));
        events += 3;
      }
    }
    // The frame after a burst is when the user sees it.
    await new Promise<void>((r) => requestAnimationFrame(() => { delays.push(performance.now() - sent); r(); }));
    const wait = sent + TICK_MS - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  frames.stop();
  publish(frames.intervals, events);
}

/** One fan-out (st-1) over ITEMS items, SUBTASKS of them in flight: each streams for 10 ticks,
 * then ends and is merged; the next starts. */
async function fanOut(emit: (e: Event) => void) {
  const columns = ["Country", "Summary"];
  emit(ev({
    type: "plan_ready", title: "Benchmark: wide research",
    subtasks: [{ id: "st-1", title: "Profile each supplier", description: "profile", agent_type: "researcher", depends_on: [], needs: [],
      for_each: { items: [], from: null, columns, deliverable: "suppliers.xlsx" } }],
  }));
  emit(ev({ type: "subtask_started", subtask_id: "st-1", agent_type: "researcher", model: "bench::synthetic" }));
  const item = (n: number) => `Supplier ${n}`;
  emit(ev({
    type: "plan_revised", revision: 1, by: "fan_out", reason: `st-1 fans out over ${ITEMS} items`,
    diff: { added: Array.from({ length: ITEMS }, (_, i) => ({ id: `st-${i + 2}`, title: item(i + 1), description: "one item",
      agent_type: "researcher", depends_on: [], needs: [], parent: "st-1", item: item(i + 1) })), changed: [], dropped: [], rerun: [] },
  }));
  const frames = measureFrames();
  let events = 0;
  let next = 1;
  const running = new Map<number, number>(); // item → ticks streamed
  while (next <= ITEMS || running.size > 0) {
    const sent = performance.now();
    while (running.size < SUBTASKS && next <= ITEMS) {
      running.set(next, 0);
      emit(ev({ type: "subtask_started", subtask_id: `st-${next + 1}`, agent_type: "researcher", model: "bench::synthetic" }));
      events++;
      next++;
    }
    for (const [n, ticks] of running) {
      const subtask_id = `st-${n + 1}`;
      if (ticks < 1000 / TICK_MS) {
        emit(ev({ type: "agent_output", subtask_id, text: words }));
        running.set(n, ticks + 1);
        events++;
        continue;
      }
      running.delete(n);
      emit(ev({ type: "subtask_finished", subtask_id, status: "complete", error: null, output: words }));
      emit(ev({ type: "item_merged", subtask_id: "st-1", child_id: subtask_id, item: item(n),
        values: ["Germany", words], sources: [`https://suppliers.example/${n}`], missing: null }));
      events += 2;
    }
    await new Promise<void>((r) => requestAnimationFrame(() => { delays.push(performance.now() - sent); r(); }));
    const wait = sent + TICK_MS - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  frames.stop();
  publish(frames.intervals, events);
}

/** The intervals between animation frames, from now until `stop`. */
function measureFrames(): { intervals: number[]; stop: () => void } {
  const intervals: number[] = [];
  let last = performance.now();
  let measuring = true;
  const onFrame = (t: number) => {
    intervals.push(t - last);
    last = t;
    if (measuring) requestAnimationFrame(onFrame);
  };
  requestAnimationFrame(onFrame);
  return { intervals, stop: () => (measuring = false) };
}

function publish(frames: number[], events: number) {
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const pct = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
  (window as unknown as { __result: unknown }).__result = {
    subtasks: FAN_OUT ? ITEMS : SUBTASKS,
    seconds: SECONDS,
    events,
    frames: frames.length,
    frame_ms_p50: pct(frames, 0.5),
    frame_ms_p95: pct(frames, 0.95),
    frame_ms_max: Math.max(...frames),
    long_frames_over_50ms: frames.filter((f) => f > 50).length,
    update_ms_p50: pct(delays, 0.5),
    update_ms_p95: pct(delays, 0.95),
    update_ms_max: Math.max(...delays),
  };
}

void run();
