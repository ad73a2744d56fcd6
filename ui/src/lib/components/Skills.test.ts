import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { mockBackend, task } from "../../test/fixtures";
import type { AgentType, Skill } from "../types/core";
import Skills from "./Skills.svelte";

function skill(over: Partial<Skill> = {}): Skill {
  return {
    id: "sk-1",
    name: "competitors-feature-comparison",
    description: "",
    version: 2,
    parameters: [
      { name: "count", kind: "number", examples: ["5", "3"] },
      { name: "subject", kind: "text", examples: ["Notion", "Coda"] },
    ],
    prompt_template: "Research the top {{count}} SaaS competitors to {{subject}}",
    title_template: "{{subject}} competitors",
    subtasks: [
      {
        id: "st-1",
        title: "Find {{subject}}'s competitors",
        description: "",
        agent_type: "researcher",
        depends_on: [],
        steps: [{ tool: "web_search", arguments: { query: "{{subject}} competitors" }, replayable: true }],
        output: null,
        light: true,
      },
      {
        id: "st-2",
        title: "Read the market report",
        description: "",
        agent_type: "researcher",
        depends_on: [],
        steps: [{ tool: "fetch_url", arguments: { url: "https://example.com/report" }, replayable: true }],
        output: "The market grows.",
        light: false,
      },
    ],
    source_tasks: ["task-a", "task-b"],
    status: "active",
    validation: {
      task_id: "task-v",
      source_task_id: "task-b",
      passed: true,
      reason: "completed with the same kinds of deliverables for 4600 tokens instead of 20700",
      tokens: 4600,
      source_tokens: 20700,
    },
    stats: { uses: 2, successes: 2, mean_tokens: 4600, mean_cost_usd: 0.002, mean_seconds: 3, source_mean_tokens: 20700, source_mean_seconds: 8 },
    created_at: "2026-11-29T03:00:00Z",
    kind: "recipe",
    instructions: "",
    files: [],
    license: null,
    compatibility: null,
    enabled: true,
    disabled_for: [],
    origin: { kind: "compiled", automatic: false },
    offered: false,
    owner: null,
    ...over,
  };
}

describe("Skills", () => {
  it("lists skills with what they save, and shows a skill's recipes", async () => {
    const backend = mockBackend({ skills: vi.fn(async () => [skill()]) });
    render(Skills, { backend, onrun: vi.fn() });
    const name = await screen.findByRole("button", { name: "competitors-feature-comparison" });
    expect(screen.getByTestId("skill-saving").textContent).toBe("78% fewer tokens");
    await fireEvent.click(name);
    expect(screen.getByText("Read the market report")).toBeTruthy();
    expect(screen.getByText("reused without the model")).toBeTruthy();
    expect(screen.getAllByTitle("replayed without the model")).toHaveLength(2);
    expect(screen.getAllByText("lighter model")).toHaveLength(1);
  });

  it("compiles from completed tasks and says what it made, and deletes after asking", async () => {
    const compileSkills = vi.fn(async () => [skill({ version: 3 })]);
    const deleteSkill = vi.fn(async () => {});
    const backend = mockBackend({ skills: vi.fn(async () => [skill()]), compileSkills, deleteSkill });
    render(Skills, { backend, onrun: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Compile now" }));
    expect(compileSkills).toHaveBeenCalledWith([]);
    expect((await screen.findByRole("status")).textContent).toContain("competitors-feature-comparison v3");
    vi.stubGlobal("confirm", () => true);
    await fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    expect(deleteSkill).toHaveBeenCalledWith("sk-1");
    vi.unstubAllGlobals();
  });

  it("compiles from the completed tasks chosen", async () => {
    const compileSkills = vi.fn(async () => [skill()]);
    const listTasks = vi.fn(async () => [
      task({ id: "task-a", prompt: "Research the top 5 SaaS competitors to Notion", status: "completed" }),
      task({ id: "task-b", prompt: "Research the top 3 SaaS competitors to Coda", status: "completed" }),
    ]);
    const backend = mockBackend({ skills: vi.fn(async () => []), compileSkills, listTasks });
    render(Skills, { backend, onrun: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: "Choose tasks…" }));
    expect(listTasks).toHaveBeenCalledWith({ limit: 50, offset: 0, status: "completed" });
    await fireEvent.click(await screen.findByLabelText("Research the top 5 SaaS competitors to Notion"));
    await fireEvent.click(screen.getByLabelText("Research the top 3 SaaS competitors to Coda"));
    await fireEvent.click(screen.getByRole("button", { name: "Compile 2 selected" }));
    expect(compileSkills).toHaveBeenCalledWith(["task-a", "task-b"]);
    expect(screen.queryByTestId("choose-tasks")).toBeNull();
  });

  it("runs a skill with the parameters asked for, and renames it", async () => {
    const onrun = vi.fn(async () => {});
    const updateSkill = vi.fn(async () => skill({ name: "saas-comparison" }));
    const backend = mockBackend({ skills: vi.fn(async () => [skill()]), updateSkill });
    render(Skills, { backend, onrun });
    const answers = ["7", "Linear"];
    vi.stubGlobal("prompt", () => answers.shift() ?? null);
    await fireEvent.click(await screen.findByRole("button", { name: "Run…" }));
    expect(onrun).toHaveBeenCalledWith("Research the top 7 SaaS competitors to Linear", "sk-1");
    vi.stubGlobal("prompt", () => "saas-comparison");
    await fireEvent.click(screen.getByRole("button", { name: "Rename" }));
    expect(updateSkill).toHaveBeenCalledWith("sk-1", { name: "saas-comparison" });
    vi.unstubAllGlobals();
  });

  const brand = (over: Partial<Skill> = {}) =>
    skill({
      id: "sk-2",
      name: "brand-guidelines",
      kind: "instructions",
      description: "Applies Acme's brand colours and typography.",
      prompt_template: "",
      parameters: [],
      subtasks: [],
      source_tasks: [],
      validation: null,
      instructions: "# Acme brand guidelines\n\nHeadings in #1A2B3C.",
      files: [{ path: "references/palette.md", bytes: 200 }],
      stats: { uses: 3, successes: 3, mean_tokens: 0, mean_cost_usd: 0, mean_seconds: 0, source_mean_tokens: 0, source_mean_seconds: 0 },
      origin: { kind: "imported", from: "brand-guidelines.skill", at: "2026-11-29T03:00:00Z" },
      ...over,
    });

  it("imports a picked .skill file and says agents will load it", async () => {
    const importSkill = vi.fn(async () => brand());
    const skills = vi.fn(async () => [] as Skill[]);
    const backend = mockBackend({ skills, importSkill });
    render(Skills, { backend, onrun: vi.fn() });
    const input = (await screen.findByTestId("skill-file-input")) as HTMLInputElement;
    const file = new File([new Uint8Array([80, 75, 3, 4])], "brand-guidelines.skill", { type: "application/zip" });
    await fireEvent.change(input, { target: { files: [file] } });
    expect(importSkill).toHaveBeenCalledWith({ kind: "archive", name: "brand-guidelines.skill", blob: file });
    expect((await screen.findByRole("status")).textContent).toContain("agents whose work calls for it load");
  });

  it("imports a folder dropped on the app's window by its path", async () => {
    let dropped: ((paths: string[]) => void) | null = null;
    const stop = vi.fn();
    const importSkill = vi.fn(async () => brand());
    const backend = mockBackend({
      skills: vi.fn(async () => []),
      importSkill,
      onDroppedPaths: (handler) => {
        dropped = handler;
        return stop;
      },
    });
    const { unmount } = render(Skills, { backend, onrun: vi.fn() });
    await screen.findByText(/No skills yet/);
    (dropped as ((paths: string[]) => void) | null)?.(["/home/me/skills/brand-guidelines"]);
    expect(importSkill).toHaveBeenCalledWith({ kind: "path", path: "/home/me/skills/brand-guidelines" });
    unmount();
    expect(stop).toHaveBeenCalled();
  });

  it("shows an Agent Skill's origin, use and instructions, and turns it off for one agent type", async () => {
    const updateSkill = vi.fn(async () => brand({ disabled_for: ["analyst"] }));
    const agentTypes = vi.fn(async () => [{ name: "researcher" }, { name: "analyst" }] as AgentType[]);
    const backend = mockBackend({ skills: vi.fn(async () => [brand(), skill()]), updateSkill, agentTypes });
    render(Skills, { backend, onrun: vi.fn() });
    const name = await screen.findByRole("button", { name: "brand-guidelines" });
    const card = name.closest("li") as HTMLElement;
    expect(card.dataset.kind).toBe("instructions");
    expect(card.textContent).toContain("imported from brand-guidelines.skill");
    expect(card.textContent).toContain("loaded 3×");
    await fireEvent.click(name);
    expect(card.textContent).toContain("Headings in #1A2B3C");
    expect(card.textContent).toContain("references/palette.md");
    await fireEvent.click(await screen.findByLabelText("analyst"));
    expect(updateSkill).toHaveBeenCalledWith("sk-2", { disabled_for: ["analyst"] });
  });

  it("searches the library", async () => {
    const backend = mockBackend({ skills: vi.fn(async () => [brand(), skill()]) });
    render(Skills, { backend, onrun: vi.fn() });
    await screen.findByRole("button", { name: "brand-guidelines" });
    await fireEvent.input(screen.getByLabelText("Search skills"), { target: { value: "typography" } });
    expect(screen.queryByRole("button", { name: "competitors-feature-comparison" })).toBeNull();
    expect(screen.getByRole("button", { name: "brand-guidelines" })).toBeTruthy();
  });

  it("validates an imported recipe before it runs, and keeps one the compiler offered", async () => {
    const validateSkill = vi.fn(async () => skill({ status: "candidate" }));
    const keepSkill = vi.fn(async () => skill());
    const skills = vi.fn(async () => [
      skill({ status: "unvalidated", validation: null }),
      skill({ id: "sk-3", name: "memo", offered: true, origin: { kind: "compiled", automatic: true } }),
    ]);
    const backend = mockBackend({ skills, validateSkill, keepSkill });
    render(Skills, { backend, onrun: vi.fn() });
    const card = (await screen.findByRole("button", { name: "competitors-feature-comparison" })).closest("li") as HTMLElement;
    expect(card.textContent).toContain("not validated");
    expect(card.textContent).not.toContain("Run…");
    await fireEvent.click(screen.getByTestId("validate-skill"));
    expect(validateSkill).toHaveBeenCalledWith("sk-1");
    const offered = screen.getByRole("button", { name: "memo" }).closest("li") as HTMLElement;
    expect(offered.textContent).toContain("compiled by itself");
    await fireEvent.click(screen.getByRole("button", { name: "Keep" }));
    expect(keepSkill).toHaveBeenCalledWith("sk-3");
  });
});
