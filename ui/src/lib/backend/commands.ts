// Generated from the app's command definitions (src-tauri/commands/*.rs) by
// src-tauri/commands/typescript.rs. Do not edit: run
// `MITEOS_BLESS=1 cargo test --workspace --lib -- commands_ts` after changing a command.
import { type Channel, invoke } from "@tauri-apps/api/core";
import type { AgentType, AgentTypeInput, Approval, BudgetChange, BudgetDecision, Deliverable, Deployment, Event, McpServer, McpServerState, NewTask, PlanEdit, Preview, Provenance, Settings, SettingsUpdate, Share, Skill, SkillMatch, SubtaskEdit, Task, TaskStatus } from "../types/core";
import type { ApiInfo } from "./backend";

/** Every command of the app, typed as its Rust definition. */
export const commands = {
  deliverables: (taskId: string): Promise<Array<Deliverable>> => invoke<Array<Deliverable>>("deliverables", { taskId }),
  previewDeliverable: (taskId: string, deliverableId: string): Promise<Preview> => invoke<Preview>("preview_deliverable", { taskId, deliverableId }),
  saveDeliverable: (taskId: string, deliverableId: string, destination: string): Promise<void> => invoke<void>("save_deliverable", { taskId, deliverableId, destination }),
  deliverablePath: (taskId: string, deliverableId: string): Promise<string> => invoke<string>("deliverable_path", { taskId, deliverableId }),
  saveBundle: (taskId: string, destination: string): Promise<void> => invoke<void>("save_bundle", { taskId, destination }),
  provenance: (taskId: string, deliverableId: string): Promise<Provenance> => invoke<Provenance>("provenance", { taskId, deliverableId }),
  deploy: (taskId: string, deliverableId: string): Promise<Deployment> => invoke<Deployment>("deploy", { taskId, deliverableId }),
  deployments: (taskId: string): Promise<Array<Deployment>> => invoke<Array<Deployment>>("deployments", { taskId }),
  takeDown: (taskId: string, deploymentId: string): Promise<void> => invoke<void>("take_down", { taskId, deploymentId }),
  share: (taskId: string, deliverableId: string, expiresInHours: number | null, includeReplay: boolean): Promise<Share> => invoke<Share>("share", { taskId, deliverableId, expiresInHours, includeReplay }),
  shares: (taskId: string): Promise<Array<Share>> => invoke<Array<Share>>("shares", { taskId }),
  revokeShare: (taskId: string, shareId: string): Promise<void> => invoke<void>("revoke_share", { taskId, shareId }),
  editPlan: (taskId: string, edit: PlanEdit): Promise<Task> => invoke<Task>("edit_plan", { taskId, edit }),
  retrySubtask: (taskId: string, subtaskId: string, changes: SubtaskEdit): Promise<Task> => invoke<Task>("retry_subtask", { taskId, subtaskId, changes }),
  cancelSubtask: (taskId: string, subtaskId: string): Promise<Task> => invoke<Task>("cancel_subtask", { taskId, subtaskId }),
  followUp: (taskId: string, message: string): Promise<Task> => invoke<Task>("follow_up", { taskId, message }),
  agentTypes: (): Promise<Array<AgentType>> => invoke<Array<AgentType>>("agent_types"),
  setAgentModel: (name: string, model: string | null): Promise<AgentType> => invoke<AgentType>("set_agent_model", { name, model }),
  getSettings: (): Promise<Settings> => invoke<Settings>("get_settings"),
  saveSettings: (update: SettingsUpdate): Promise<Settings> => invoke<Settings>("save_settings", { update }),
  apiInfo: (): Promise<ApiInfo | null> => invoke<ApiInfo | null>("api_info"),
  createAgentType: (input: AgentTypeInput): Promise<AgentType> => invoke<AgentType>("create_agent_type", { input }),
  updateAgentType: (name: string, input: AgentTypeInput): Promise<AgentType> => invoke<AgentType>("update_agent_type", { name, input }),
  deleteAgentType: (name: string): Promise<void> => invoke<void>("delete_agent_type", { name }),
  tools: (): Promise<Array<string>> => invoke<Array<string>>("tools"),
  mcpServers: (): Promise<Array<McpServerState>> => invoke<Array<McpServerState>>("mcp_servers"),
  saveMcpServers: (servers: Array<McpServer>): Promise<Array<McpServerState>> => invoke<Array<McpServerState>>("save_mcp_servers", { servers }),
  skills: (): Promise<Array<Skill>> => invoke<Array<Skill>>("skills"),
  compileSkills: (taskIds: Array<string>): Promise<Array<Skill>> => invoke<Array<Skill>>("compile_skills", { taskIds }),
  matchSkill: (prompt: string): Promise<SkillMatch | null> => invoke<SkillMatch | null>("match_skill", { prompt }),
  renameSkill: (skillId: string, name: string): Promise<Skill> => invoke<Skill>("rename_skill", { skillId, name }),
  deleteSkill: (skillId: string): Promise<void> => invoke<void>("delete_skill", { skillId }),
  createTask: (task: NewTask<string>): Promise<Task> => invoke<Task>("create_task", { task }),
  getTask: (taskId: string): Promise<Task> => invoke<Task>("get_task", { taskId }),
  listTasks: (limit: number, offset: number, status: TaskStatus | null, q: string | null, before: string | null): Promise<Array<Task>> => invoke<Array<Task>>("list_tasks", { limit, offset, status, q, before }),
  cancelTask: (taskId: string): Promise<Task> => invoke<Task>("cancel_task", { taskId }),
  approvals: (taskId: string): Promise<Array<Approval>> => invoke<Array<Approval>>("approvals", { taskId }),
  decideApproval: (taskId: string, approvalId: string, approve: boolean): Promise<Approval> => invoke<Approval>("decide_approval", { taskId, approvalId, approve }),
  taskEvents: (taskId: string, after: number, onEvent: Channel<Event>): Promise<number> => invoke<number>("task_events", { taskId, after, onEvent }),
  stopTaskEvents: (subscription: number): Promise<void> => invoke<void>("stop_task_events", { subscription }),
  decideBudget: (taskId: string, decision: BudgetDecision, budget: BudgetChange | null): Promise<Task> => invoke<Task>("decide_budget", { taskId, decision, budget }),
};
