// Generated from the Rust types by crates/miteos-core/src/bindings.rs. Do not edit:
// run `MITEOS_BLESS=1 cargo test --workspace --lib -- bindings` after changing them.

export type TaskStatus = "pending" | "running" | "completed" | "failed" | "cancelled";

export type SubtaskStatus = "pending" | "running" | "complete" | "failed" | "cancelled";

export type BudgetLimits = { 
/**
 * Input plus output tokens.
 */
tokens: number | null, 
/**
 * US cents.
 */
cost_cents: number | null, 
/**
 * Model calls.
 */
steps: number | null, 
/**
 * Wall time in seconds, time spent paused not counted.
 */
seconds: number | null, };

export type Budget = { task: BudgetLimits, subtask: BudgetLimits, };

export type LimitsChange = { tokens?: number | null, cost_cents?: number | null, steps?: number | null, seconds?: number | null, };

export type BudgetChange = { task?: LimitsChange, subtask?: LimitsChange, };

export type Measure = "tokens" | "cost" | "steps" | "time";

export type BudgetScope = "task" | "subtask";

export type BudgetPause = { scope: BudgetScope, 
/**
 * The subtask whose limit it is (subtask scope).
 */
subtask_id: string | null, measure: Measure, 
/**
 * In the measure's unit (tokens, cents, model calls, seconds); for an estimate, the estimate.
 */
used: number, limit: number, 
/**
 * True when the estimate, not the use so far, is over the limit.
 */
estimated: boolean, 
/**
 * What happened, in words ("the task used $4.10 of its limit of $5.00 (82%)"); the
 * question is always: raise the limit, or stop?
 */
message: string, since: string, };

export type Estimate = { tokens: number, cost_cents: number, 
/**
 * How many of the plan's subtasks were estimated from earlier runs of the same agent type on
 * the same model (the rest from a typical subtask).
 */
from_history: number, subtasks: number, 
/**
 * A model of the plan has no known price: `cost_cents` leaves it out.
 */
cost_unknown: boolean, };

export type BudgetDecision = "raise" | "stop";

export type ParameterKind = "number" | "text";

export type SkillParameter = { name: string, kind: ParameterKind, 
/**
 * The values it had in the tasks the skill was compiled from.
 */
examples: Array<string>, };

export type SkillStep = { tool: string, arguments: unknown, 
/**
 * The arguments depend only on the parameters (they were the same, parameters aside, in
 * every source task) and the tool's result only on its arguments: Miteos runs it itself,
 * without asking the model.
 */
replayable: boolean, };

export type SkillSubtask = { id: string, title: string, description: string, agent_type: string, depends_on: Array<string>, steps: Array<SkillStep>, 
/**
 * Set when the subtask did the same in every source task (no parameter in its brief or
 * steps, all steps replayable, the same answer): a run replays its steps and reuses this
 * answer without the model.
 */
output: string | null, 
/**
 * The recipe allows a lighter model: Miteos replays every step, so the model only writes
 * up their results. A run gives the subtask the lighter model of the task's (falling back
 * to the task's own if it fails).
 */
light: boolean, };

export type SkillStatus = "candidate" | "active" | "rejected" | "retired" | "unvalidated";

export type SkillStats = { 
/**
 * Tasks run from it.
 */
uses: number, successes: number, 
/**
 * Means over the tasks run from it (the source tasks' until it is used).
 */
mean_tokens: number, mean_cost_usd: number, mean_seconds: number, 
/**
 * The source tasks' means, to compare with.
 */
source_mean_tokens: number, source_mean_seconds: number, };

export type SkillValidation = { 
/**
 * The validation run (a task in the history).
 */
task_id: string, source_task_id: string, passed: boolean, 
/**
 * Why it passed or not, in words.
 */
reason: string, tokens: number, source_tokens: number, };

export type SkillKind = "recipe" | "instructions";

export type SkillOrigin = { "kind": "compiled", automatic: boolean, } | { "kind": "imported", from: string, at: string, };

export type SkillFileInfo = { path: string, bytes: number, };

export type FileEncoding = "utf8" | "base64";

export type SkillFile = { path: string, content: string, 
/**
 * `utf8` when left out.
 */
encoding: FileEncoding, };

export type Skill = { 
/**
 * `sk-<uuid v7 simple>`.
 */
id: string, name: string, description: string, version: number, parameters: Array<SkillParameter>, 
/**
 * The prompts it stands for, with `{{parameter}}` placeholders.
 */
prompt_template: string, title_template: string, subtasks: Array<SkillSubtask>, 
/**
 * The tasks it was compiled from.
 */
source_tasks: Array<string>, status: SkillStatus, stats: SkillStats, 
/**
 * The validation run, once it ended.
 */
validation: SkillValidation | null, created_at: string, kind: SkillKind, 
/**
 * An Agent Skill's instructions: its `SKILL.md` without the front matter.
 */
instructions: string, 
/**
 * The files kept with it besides `SKILL.md`.
 */
files: Array<SkillFileInfo>, 
/**
 * The standard's optional `license` and `compatibility`.
 */
license: string | null, compatibility: string | null, 
/**
 * Off: never matched nor offered to an agent.
 */
enabled: boolean, 
/**
 * Agent types that may not use it (an instructions skill is not offered to them; a recipe
 * is not matched while one of its subtasks is theirs).
 */
disabled_for: Array<string>, origin: SkillOrigin, 
/**
 * Compiled by itself and not yet kept (or discarded) by the user.
 */
offered: boolean, 
/**
 * The account it belongs to on a team's server (compiled from their tasks, or imported by
 * them): only they run it, and only they and admins see it. `null`: the server's own (the
 * desktop's, or made with the server's token).
 */
owner: string | null, };

export type SkillPatch = { 
/**
 * The standard's name: 1–64 lowercase letters, digits and single hyphens.
 */
name?: string, 
/**
 * Off: never matched nor offered to an agent.
 */
enabled?: boolean, 
/**
 * The agent types that may not use it (the whole list).
 */
disabled_for?: Array<string>, };

export type TeamServer = { 
/**
 * Its address, e.g. `http://miteos.internal:7411` (no trailing slash).
 */
url: string, 
/**
 * The account its token names (`None`: the server's own token).
 */
account: string | null, admin: boolean, 
/**
 * `true`: the War Room works on this server; `false`: on this computer (the server is
 * remembered, a switch away).
 */
active: boolean, };

export type SkillSettings = { 
/**
 * When this many tasks of one kind have completed from their prompts alone, the compiler
 * makes a skill of them by itself, validates it and offers it (0: only when asked).
 */
compile_after: number, };

export type SkillMatch = { skill_id: string, name: string, parameters: { [key in string]: string }, 
/**
 * 0 to 1: how sure the matcher is (1 for the template's wording; for a pending match, the
 * share of the skill's words the prompt has).
 */
confidence: number, bound_by: BoundBy, };

export type BoundBy = "pattern" | "model" | "pending";

export type RevisedBy = "orchestrator" | "user" | "follow_up" | "fan_out";

export type PlanReview = "never" | "always" | { "over_cents": number };

export type SubtaskChange = { id: string, title?: string | null, description?: string | null, agent_type?: string | null, depends_on?: Array<string> | null, };

export type ForEach = { 
/**
 * The items, when the prompt names them.
 */
items: Array<string>, 
/**
 * Where the list is otherwise: a dependency's id (the list in its result) or a file in the
 * task folder (`inputs/suppliers.csv`: a table's first column, or a text file's lines).
 */
from?: string, 
/**
 * What the merged table has a column for, besides the item and its sources.
 */
columns: Array<string>, 
/**
 * The merged deliverable: `.xlsx` or `.csv` a table with one row per item, `.md` a
 * document with one section per item.
 */
deliverable?: string, };

export type SubtaskAddition = { id?: string | null, title: string, description: string, agent_type: string, depends_on: Array<string>, 
/**
 * What the subtask needs its tools for (`web`, `read_files`, `write_files`, `spreadsheet`,
 * `chart`, `sql`, `command`).
 */
needs: Array<string>, 
/**
 * Makes it a fan-out: done once per item of a list.
 */
for_each?: ForEach | null, };

export type PlanEdit = { 
/**
 * Subtasks to change; a failed or cancelled one that is changed runs again.
 */
change: Array<SubtaskChange>, add: Array<SubtaskAddition>, 
/**
 * Subtasks to remove from the plan (kept in the store, marked `dropped`).
 */
drop: Array<string>, 
/**
 * Failed or cancelled subtasks to run again as they are.
 */
retry: Array<string>, 
/**
 * Completed subtasks to run again (with their changes, if `change` names them too); their
 * dependants run again after them.
 */
rerun: Array<string>, };

export type PlanDiff = { added: Array<PlannedSubtask>, 
/**
 * Subtasks as they are after the change.
 */
changed: Array<PlannedSubtask>, dropped: Array<string>, 
/**
 * Subtasks that run again (a new attempt; the old output stays in the journal).
 */
rerun: Array<string>, };

export type PlanRevision = { revision: number, by: RevisedBy, reason: string, diff: PlanDiff, at: string, };

export type FollowUp = { id: string, message: string, 
/**
 * The revision that planned it, once planned.
 */
revision: number | null, at: string, };

export type SubtaskEdit = { title?: string | null, description?: string | null, agent_type?: string | null, };

export type NewMessage = { message: string, };

export type PlanSettings = { 
/**
 * When a new task's plan waits for the user before it runs (a task may choose otherwise).
 */
review: PlanReview, 
/**
 * Revisions the orchestrator may make of one task's plan, recovering from failures and
 * closing the result check's gaps (0 to 10).
 */
max_revisions: number, 
/**
 * Model calls in flight at once per provider, over all tasks (1 to 100) — and so how many
 * items of a fan-out run at once. A local server's own slots (llama.cpp, Ollama) win.
 */
provider_calls: number, };

export type CatalogModel = { 
/**
 * The installed file's stem: tasks name the model `local::<name>`.
 */
name: string, 
/**
 * "Qwen3 1.7B", as people call it.
 */
title: string, family: string, 
/**
 * Billions of parameters.
 */
parameters_b: number, 
/**
 * Where the GGUF file is downloaded from.
 */
url: string, 
/**
 * The file's size in bytes as the publisher lists it.
 */
size_bytes: number, 
/**
 * The publisher's SHA-256 of the file, when it lists one; otherwise the hash is recorded at
 * the first download and later downloads are checked against it.
 */
sha256?: string | null, 
/**
 * Memory the model needs to run with its default context, in GB.
 */
memory_gb: number, 
/**
 * The context length it was trained for, in tokens.
 */
context: number, 
/**
 * How well it calls tools: `good`, `fair`, `poor` or `demo` (cannot do real work).
 */
tool_calling: string, licence: string, 
/**
 * One line on what it is good for.
 */
notes: string, };

export type Machine = { memory_bytes: number, cores: number, 
/**
 * Free space where models are kept.
 */
free_disk_bytes?: number | null, };

export type CatalogEntry = { model: CatalogModel, 
/**
 * Its file is in the models folder.
 */
installed: boolean, 
/**
 * The machine has the memory to run it.
 */
fits: boolean, 
/**
 * `small`, `medium` or `large` when it is one of the machine's three picks.
 */
pick?: string | null, };

export type Catalog = { machine: Machine, models: Array<CatalogEntry>, 
/**
 * The name of the recommended model (the medium pick), if any fits.
 */
recommended?: string | null, 
/**
 * Where models are kept (shared by every data directory; `MITEOS_MODELS_DIR` moves it).
 */
models_dir: string, };

export type DownloadState = "running" | "paused" | "complete" | "failed" | "cancelled";

export type Download = { 
/**
 * The model's name (`local::<name>` once installed).
 */
name: string, url: string, state: DownloadState, done_bytes: number, total_bytes?: number | null, 
/**
 * Recent speed, bytes per second.
 */
bytes_per_second: number, 
/**
 * Time left at that speed.
 */
seconds_left?: number | null, 
/**
 * Why it failed.
 */
error?: string | null, };

export type DownloadRequest = { name?: string | null, url?: string | null, sha256?: string | null, };

export type DetectedKey = { 
/**
 * `openai`, `anthropic` or `openrouter`.
 */
provider: string, 
/**
 * `environment` or `key store`.
 */
source: string, 
/**
 * The model Miteos would use with it.
 */
model: string, };

export type DetectedServer = { 
/**
 * `ollama`, `llama.cpp`, `lm-studio`, `vllm` or `openai-compatible`.
 */
kind: string, 
/**
 * Its address: Ollama's host, or the compatible server's base URL (ending in `/v1`).
 */
url: string, 
/**
 * Its models, as `provider::model` (ready for a task's `model`).
 */
models: Array<string>, };

export type LocalModel = { 
/**
 * `local::<name>`.
 */
model: string, size_bytes: number, 
/**
 * Too small to do real work (the built-in SmolLM2-135M): a demo of the pipeline.
 */
demo: boolean, };

export type ModelSetup = { keys: Array<DetectedKey>, servers: Array<DetectedServer>, local: Array<LocalModel>, 
/**
 * The model new tasks run on now, if any.
 */
current?: string | null, 
/**
 * The current model is too small for real work.
 */
current_is_demo: boolean, 
/**
 * The user has answered the question (Settings → Models asks it again).
 */
chosen: boolean, };

export type ModelChoice = { 
/**
 * `provider::model` or `local::<name>`.
 */
model: string, 
/**
 * For `openai::` models on a compatible server: its base URL.
 */
base_url?: string | null, 
/**
 * For `ollama::` models: Ollama's address.
 */
ollama_host?: string | null, 
/**
 * A pasted API key for the model's provider; checked with one cheap call, then saved in
 * the key store.
 */
api_key?: string | null, };

export type PriceEntry = { 
/**
 * `provider::model` (or a bare model name, which matches every provider's model of that name).
 */
model: string, 
/**
 * USD per million input tokens.
 */
input: number, 
/**
 * USD per million output tokens.
 */
output: number, 
/**
 * `user`, `openrouter` or `builtin`.
 */
source: string, 
/**
 * When OpenRouter's list was fetched (RFC 3339); `null` for the other sources.
 */
fetched_at?: string | null, };

export type PriceInput = { model: string, input: number, output: number, };

export type Task = { id: string, prompt: string, status: TaskStatus, 
/**
 * Input plus output tokens of every model call the task made (planning included).
 */
total_tokens_used: number, 
/**
 * The cost in whole cents, rounded up so a task that spent anything never shows 0.
 */
total_cost_cents: number, created_at: string, subtasks: Array<Subtask>, 
/**
 * The cost in US dollars, unrounded, for displays that want more than cents.
 */
total_cost_usd: number, title: string | null, workspace_id: string | null, 
/**
 * `provider::model` the task runs on.
 */
model: string, started_at: string | null, finished_at: string | null, 
/**
 * Why the task failed or was cancelled, in words a user can act on.
 */
error: string | null, 
/**
 * Model calls the task made (planning included).
 */
steps: number, 
/**
 * The task's limits (`null` for tasks from before budgets existed).
 */
budget: Budget | null, 
/**
 * What the plan is expected to spend, once it is made.
 */
estimate: Estimate | null, 
/**
 * The budget question the task waits on, if it is paused.
 */
paused: BudgetPause | null, 
/**
 * The skill the task ran from (no planning call), if it did.
 */
skill_id: string | null, 
/**
 * The plan's current revision: 0 for the first plan, one more for every revision.
 */
revision: number, 
/**
 * The plan's revisions, oldest first (in `GET /tasks/{id}`; empty in lists).
 */
revisions: Array<PlanRevision>, 
/**
 * Follow-up messages, oldest first (in `GET /tasks/{id}`; empty in lists).
 */
follow_ups: Array<FollowUp>, 
/**
 * What the result check found unmet when the task ended (empty when all was met).
 */
unmet: Array<string>, 
/**
 * When the plan waits for the user before it runs (`null`: the setting's default).
 */
plan_review: PlanReview | null, 
/**
 * The plan waits for the user to approve or edit it.
 */
awaiting_review: boolean, 
/**
 * Some calls ran on a model whose price is unknown: the cost totals count only the priced
 * ones, and every view says "cost unknown" (its budget is enforced on tokens).
 */
cost_unknown: boolean, 
/**
 * On a team's server: the account that created the task (`null`: the server's own token,
 * or before accounts).
 */
owner: string | null, 
/**
 * On a team's server: the owner shared the task with the team (everyone may see it).
 */
shared: boolean, };

export type Subtask = { id: string, agent_type: string, status: SubtaskStatus, title: string, description: string, depends_on: Array<string>, tokens_used: number, cost_usd: number, 
/**
 * Model calls the agent made.
 */
steps: number, started_at: string | null, finished_at: string | null, 
/**
 * The agent's final answer; dependants receive it as context.
 */
output: string | null, error: string | null, 
/**
 * The plan revision that added the subtask (0: the first plan).
 */
revision: number, 
/**
 * 1 for the first run; one more for every retry or rerun.
 */
attempt: number, 
/**
 * A revision removed it from the plan; it is kept, but does not run.
 */
dropped: boolean, 
/**
 * What it needs tools for (`web`, `spreadsheet`, …), as planned.
 */
needs: Array<string>, 
/**
 * Some of its calls ran on a model whose price is unknown (see `Task::cost_unknown`).
 */
cost_unknown: boolean, 
/**
 * A fan-out: done once per item of a list, by its children.
 */
for_each?: ForEach | null, 
/**
 * The fan-out this subtask does one item of.
 */
parent?: string | null, 
/**
 * The item it does, for a fan-out's child.
 */
item?: string | null, };

export type AgentType = { name: string, description: string, system_prompt: string, 
/**
 * Names of the tools this agent may call.
 */
tools: Array<string>, 
/**
 * `provider::model` to use instead of the task's model, if any.
 */
model: string | null, 
/**
 * `provider::model` the agent switches to for the rest of a subtask when its model keeps
 * failing (after its retries), if any.
 */
fallback_model: string | null, builtin: boolean, };

export type Deliverable = { id: string, task_id: string, 
/**
 * Path relative to the task folder, `/`-separated.
 */
name: string, mime_type: string, size_bytes: number, sha256: string, 
/**
 * The subtask that last wrote the file.
 */
subtask_id: string | null, created_at: string, };

export type PlannedSubtask = { id: string, title: string, description: string, agent_type: string, depends_on: Array<string>, 
/**
 * What it needs tools for (`web`, `spreadsheet`, …); empty in events from before.
 */
needs: Array<string>, 
/**
 * A fan-out: the subtask is done once per item of a list (see [`ForEach`]).
 */
for_each?: ForEach, 
/**
 * The fan-out this subtask does one item of.
 */
parent?: string, 
/**
 * The item it does, for a fan-out's child.
 */
item?: string, };

export type ApprovalStatus = "pending" | "approved" | "denied" | "expired";

export type Approval = { 
/**
 * `ap-<uuid v7 simple>`.
 */
id: string, task_id: string, subtask_id: string, call_id: string, tool: string, 
/**
 * The call's arguments, as the agent gave them.
 */
arguments: unknown, 
/**
 * Why it needs approval, in words (e.g. "git is not on the shell allow-list").
 */
reason: string, status: ApprovalStatus, created_at: string, decided_at: string | null, };

export type EventKind = { "type": "task_created", prompt: string, model: string, } | { "type": "task_started" } | { "type": "plan_rejected", attempt: number, problems: Array<string>, } | { "type": "task_resumed", completed: Array<string>, } | { "type": "skill_applied", skill_id: string, name: string, version: number, parameters: { [key in string]: string }, 
/**
 * By the skill's template (the prompt is worded as it), or by a short model call.
 */
bound_by: BoundBy, 
/**
 * 0 to 1; 1 when bound by the template.
 */
confidence: number, } | { "type": "skill_declined", skill_id: string, name: string, confidence: number, reason: string, } | { "type": "skill_abandoned", skill_id: string, reason: string, } | { "type": "skill_loaded", subtask_id: string, skill_id: string, name: string, version: number, 
/**
 * The file of the skill's folder asked for; `None` for its instructions.
 */
file: string | null, } | { "type": "plan_ready", title: string, subtasks: Array<PlannedSubtask>, } | { "type": "subtask_started", subtask_id: string, agent_type: string, 
/**
 * `provider::model` its agent runs on ("" in events written before it was recorded).
 */
model: string, } | { "type": "agent_output", subtask_id: string, text: string, } | { "type": "tool_call_started", subtask_id: string, call_id: string, tool: string, arguments: unknown, } | { "type": "tool_call_finished", subtask_id: string, call_id: string, tool: string, ok: boolean, result: string, } | { "type": "usage", subtask_id: string | null, input_tokens: number, output_tokens: number, 
/**
 * The call's cost (0 when its price is unknown: see `cost_unknown`).
 */
cost_usd: number, task_total_tokens: number, task_total_cost_cents: number, 
/**
 * The call's model has no known price: the task's cost is unknown from here on.
 */
cost_unknown: boolean, } | { "type": "provider_retry", subtask_id: string | null, attempt: number, delay_ms: number, reason: string, } | { "type": "model_fallback", subtask_id: string, from: string, to: string, reason: string, } | { "type": "subtask_finished", subtask_id: string, status: SubtaskStatus, error: string | null, 
/**
 * The agent's answer when it completed: every attempt's stays here when a rerun
 * replaces it on the subtask.
 */
output?: string | null, } | { "type": "item_merged", 
/**
 * The fan-out.
 */
subtask_id: string, 
/**
 * The child that did the item.
 */
child_id: string, item: string, values: Array<string>, sources: Array<string>, missing?: string | null, } | { "type": "plan_revised", revision: number, by: RevisedBy, reason: string, diff: PlanDiff, } | { "type": "subtask_reassigned", subtask_id: string, from: string, to: string, reason: string, } | { "type": "plan_review_requested", revision: number, } | { "type": "plan_approved", edited: boolean, } | { "type": "result_checked", checked: Array<string>, unmet: Array<string>, } | { "type": "follow_up_received", follow_up: FollowUp, } | { "type": "task_reopened", by: RevisedBy, reason: string, 
/**
 * Subtasks the task's end had cut short (cancelled), which run again as a new attempt.
 */
rerun: Array<string>, } | { "type": "approval_requested", approval: Approval, } | { "type": "approval_decided", subtask_id: string, approval_id: string, status: ApprovalStatus, } | { "type": "deliverable_added", deliverable: Deliverable, } | { "type": "budget_estimated", estimate: Estimate, } | { "type": "budget_paused", pause: BudgetPause, } | { "type": "budget_decided", decision: BudgetDecision, budget: Budget, } | { "type": "cancel_requested" } | { "type": "task_finished", status: TaskStatus, error: string | null, total_tokens_used: number, total_cost_cents: number, 
/**
 * Some calls ran on a model whose price is unknown: the cost counts only the others.
 */
cost_unknown: boolean, };

export type Event = { seq: number, task_id: string, at: string, version: number, } & ({ "type": "task_created", prompt: string, model: string, } | { "type": "task_started" } | { "type": "plan_rejected", attempt: number, problems: Array<string>, } | { "type": "task_resumed", completed: Array<string>, } | { "type": "skill_applied", skill_id: string, name: string, version: number, parameters: { [key in string]: string }, 
/**
 * By the skill's template (the prompt is worded as it), or by a short model call.
 */
bound_by: BoundBy, 
/**
 * 0 to 1; 1 when bound by the template.
 */
confidence: number, } | { "type": "skill_declined", skill_id: string, name: string, confidence: number, reason: string, } | { "type": "skill_abandoned", skill_id: string, reason: string, } | { "type": "skill_loaded", subtask_id: string, skill_id: string, name: string, version: number, 
/**
 * The file of the skill's folder asked for; `None` for its instructions.
 */
file: string | null, } | { "type": "plan_ready", title: string, subtasks: Array<PlannedSubtask>, } | { "type": "subtask_started", subtask_id: string, agent_type: string, 
/**
 * `provider::model` its agent runs on ("" in events written before it was recorded).
 */
model: string, } | { "type": "agent_output", subtask_id: string, text: string, } | { "type": "tool_call_started", subtask_id: string, call_id: string, tool: string, arguments: unknown, } | { "type": "tool_call_finished", subtask_id: string, call_id: string, tool: string, ok: boolean, result: string, } | { "type": "usage", subtask_id: string | null, input_tokens: number, output_tokens: number, 
/**
 * The call's cost (0 when its price is unknown: see `cost_unknown`).
 */
cost_usd: number, task_total_tokens: number, task_total_cost_cents: number, 
/**
 * The call's model has no known price: the task's cost is unknown from here on.
 */
cost_unknown: boolean, } | { "type": "provider_retry", subtask_id: string | null, attempt: number, delay_ms: number, reason: string, } | { "type": "model_fallback", subtask_id: string, from: string, to: string, reason: string, } | { "type": "subtask_finished", subtask_id: string, status: SubtaskStatus, error: string | null, 
/**
 * The agent's answer when it completed: every attempt's stays here when a rerun
 * replaces it on the subtask.
 */
output?: string | null, } | { "type": "item_merged", 
/**
 * The fan-out.
 */
subtask_id: string, 
/**
 * The child that did the item.
 */
child_id: string, item: string, values: Array<string>, sources: Array<string>, missing?: string | null, } | { "type": "plan_revised", revision: number, by: RevisedBy, reason: string, diff: PlanDiff, } | { "type": "subtask_reassigned", subtask_id: string, from: string, to: string, reason: string, } | { "type": "plan_review_requested", revision: number, } | { "type": "plan_approved", edited: boolean, } | { "type": "result_checked", checked: Array<string>, unmet: Array<string>, } | { "type": "follow_up_received", follow_up: FollowUp, } | { "type": "task_reopened", by: RevisedBy, reason: string, 
/**
 * Subtasks the task's end had cut short (cancelled), which run again as a new attempt.
 */
rerun: Array<string>, } | { "type": "approval_requested", approval: Approval, } | { "type": "approval_decided", subtask_id: string, approval_id: string, status: ApprovalStatus, } | { "type": "deliverable_added", deliverable: Deliverable, } | { "type": "budget_estimated", estimate: Estimate, } | { "type": "budget_paused", pause: BudgetPause, } | { "type": "budget_decided", decision: BudgetDecision, budget: Budget, } | { "type": "cancel_requested" } | { "type": "task_finished", status: TaskStatus, error: string | null, total_tokens_used: number, total_cost_cents: number, 
/**
 * Some calls ran on a model whose price is unknown: the cost counts only the others.
 */
cost_unknown: boolean, });

export type Sheet = { name: string, rows: Array<Array<string>>, };

export type Preview = { "kind": "markdown", text: string, truncated: boolean, } | { "kind": "text", text: string, truncated: boolean, } | { "kind": "html", text: string, truncated: boolean, } | { "kind": "table", sheets: Array<Sheet>, truncated: boolean, } | { "kind": "image", data_url: string, } | { "kind": "none", reason: string, };

export type ProviderSettings = { 
/**
 * `provider::model` tasks use unless they name one.
 */
model: string | null, 
/**
 * Any OpenAI-compatible server (llama.cpp's llama-server, vLLM, LM Studio).
 */
openai_base_url: string | null, anthropic_base_url: string | null, 
/**
 * Ollama's address, e.g. `http://127.0.0.1:11434`.
 */
ollama_host: string | null, 
/**
 * Call tools through structured output (for models without native tool calling).
 */
emulate_tools: boolean, 
/**
 * `provider::model` for the subtasks of a skill whose recipe leaves the model only the
 * write-up (used when it costs less than the task's model); unset: the task's model's own
 * lighter sibling (gpt-4.1 → gpt-4.1-mini, Claude Sonnet → Haiku), if it has one.
 */
light_model: string | null, };

export type ApiAddress = { host: string, port: number, };

export type StagingAddress = { 
/**
 * Listen on the local network, so colleagues can open deployments and share links.
 */
lan: boolean, port: number, };

export type KeyState = { 
/**
 * `openai_api_key`, `anthropic_api_key`, `openrouter_api_key`, `brave_api_key` or
 * `tavily_api_key`.
 */
name: string, 
/**
 * Saved in Miteos's key store.
 */
saved: boolean, 
/**
 * Set in the environment (a saved key wins over it).
 */
from_env: boolean, 
/**
 * The last four characters of the key in use, for recognising it.
 */
hint: string | null, };

export type SearchKind = "none" | "searxng" | "brave" | "tavily";

export type OnQuit = "resume" | "cancel";

export type SearchSettings = { provider: SearchKind, 
/**
 * A SearXNG instance's address (required for SearXNG); for Brave and Tavily, a different
 * endpoint than their public one (a proxy), or `null`.
 */
url: string | null, };

export type Settings = { providers: ProviderSettings, keys: Array<KeyState>, search: SearchSettings, 
/**
 * Why the configured search provider cannot be used (a missing key), or `null`.
 */
search_error: string | null, 
/**
 * Programs `run_command` runs without asking; others wait for approval.
 */
shell_allow: Array<string>, 
/**
 * Hosts (`wiki.corp.example`, `*.corp.example`), addresses and ranges (`10.1.0.0/16`) that
 * agents' web requests may reach besides the public internet. Empty by default: no agent
 * reaches this machine, the local network or a cloud's metadata service.
 */
fetch_allow: Array<string>, 
/**
 * What quitting Miteos does to running tasks.
 */
on_quit: OnQuit, 
/**
 * The budget new tasks get unless they change it.
 */
budget: Budget, 
/**
 * Plan review and revisions.
 */
plan: PlanSettings, 
/**
 * The Skill Compiler.
 */
skills: SkillSettings, 
/**
 * Where keys are kept, in words.
 */
key_store: string, 
/**
 * The model new tasks run on, or why there is none.
 */
default_model: string | null, default_model_error: string | null, max_concurrency: number, api: ApiAddress, staging: StagingAddress, 
/**
 * Where deployments and share links are served now (`http://host:port`).
 */
staging_url: string, 
/**
 * Where colleagues on the local network reach them when `staging.lan` is on (after a
 * restart), or `null` when this machine has no network address.
 */
staging_lan_url: string | null, };

export type KeyChange = { name: string, value: string | null, };

export type SettingsUpdate = { providers: ProviderSettings, 
/**
 * Only the keys to change; keys not listed stay as they are.
 */
keys: Array<KeyChange>, max_concurrency: number, api: ApiAddress, staging: StagingAddress, 
/**
 * The web search provider; left out, it stays as it is.
 */
search: SearchSettings | null, 
/**
 * Programs `run_command` runs without asking; left out, the list stays as it is.
 */
shell_allow: Array<string> | null, 
/**
 * Hosts and ranges agents may fetch besides the public web; left out, the list stays as it is.
 */
fetch_allow: Array<string> | null, 
/**
 * Left out, it stays as it is.
 */
on_quit: OnQuit | null, 
/**
 * The default budget; left out, it stays as it is.
 */
budget: Budget | null, 
/**
 * Plan review and revisions; left out, they stay as they are.
 */
plan: PlanSettings | null, 
/**
 * The Skill Compiler; left out, it stays as it is.
 */
skills: SkillSettings | null, };

export type Deployment = { id: string, task_id: string, deliverable_id: string, 
/**
 * `local` (Miteos's own staging server) or a remote target's name.
 */
target: string, 
/**
 * Where the deployment is served.
 */
url: string, files: number, bytes: number, created_at: string, 
/**
 * Set when the deployment was taken down; its URL then answers 404.
 */
taken_down_at: string | null, 
/**
 * When its URL stops answering (404), or `null` for one made before deployments expired.
 */
expires_at: string | null, };

export type Share = { id: string, task_id: string, deliverable_id: string, 
/**
 * The share page also shows how the deliverable was made (plan and steps, secrets redacted).
 */
include_replay: boolean, created_at: string, expires_at: string, revoked_at: string | null, 
/**
 * Times the link was opened.
 */
access_count: number, 
/**
 * The public link. Only in the answer that creates the share: its token is not stored.
 */
url: string | null, };

export type ProvenanceStep = { id: string, title: string, agent_type: string, };

export type Provenance = { subtasks: Array<ProvenanceStep>, 
/**
 * Web pages (URLs) and documents the agents read, in the order they read them.
 */
sources: Array<string>, };

export type AgentTypeInput = { 
/**
 * 2–32 characters: lowercase letters, digits, `-` and `_`, starting with a letter. Ignored
 * when editing (names do not change).
 */
name: string, 
/**
 * What it is good at: the planner chooses by this.
 */
description: string, system_prompt: string, 
/**
 * Tools it may call (see `tools`).
 */
tools: Array<string>, 
/**
 * `provider::model` instead of the task's, or `null`.
 */
model: string | null, 
/**
 * `provider::model` to switch to when the model keeps failing, or `null`.
 */
fallback_model: string | null, };

export type McpServer = { 
/**
 * 1–24 lowercase letters, digits and `-`; its tools are named `NAME__TOOL`.
 */
name: string, 
/**
 * The program to run (stdio), e.g. `npx`.
 */
command: string | null, args: Array<string>, 
/**
 * Environment of the program (of Miteos's own, only `PATH` and `HOME` are passed).
 */
env: { [key in string]: string }, 
/**
 * A streamable HTTP endpoint instead of a program.
 */
url: string | null, 
/**
 * Run its tools without asking, even those that do not declare themselves read-only.
 */
trusted: boolean, };

export type McpToolInfo = { 
/**
 * `server__tool`, the name agent types are given.
 */
name: string, description: string, 
/**
 * The tool says it only reads (it then runs without approval).
 */
read_only: boolean, };

export type McpServerState = { server: McpServer, tools: Array<McpToolInfo>, 
/**
 * Why it could not be started or listed, or `null`.
 */
error: string | null, };

export type AttachmentBody = { 
/**
 * Its file name, e.g. `brief.pdf`.
 */
name: string, 
/**
 * Its bytes, base64-encoded (standard alphabet).
 */
content_base64: string, };

export type NewTask<A> = { 
/**
 * What to do, in plain language.
 */
prompt: string, workspace_id?: string | null, 
/**
 * `provider::model` for this task instead of the configured default.
 */
model?: string | null, 
/**
 * Documents the agents work from (up to 25 MiB together), saved in the task's `inputs/`
 * folder before it starts.
 */
attachments: Array<A>, 
/**
 * Changes to the default budget (Settings) for this task, e.g.
 * `{"task": {"cost_cents": 100}}`; a limit set to `null` is removed.
 */
budget?: BudgetChange | null, 
/**
 * `false`: plan the task afresh even when it matches a skill (default `true`).
 */
use_skills?: boolean | null, 
/**
 * Run from this skill (whatever its status: a validation run uses it), the prompt binding
 * its parameters, instead of the skill the prompt matches; the prompt must fit its template.
 */
skill_id?: string | null, 
/**
 * When the plan waits for the user before it runs (`"never"`, `"always"`,
 * `{"over_cents": N}`); left out, the setting decides.
 */
plan_review?: PlanReview | null, };
