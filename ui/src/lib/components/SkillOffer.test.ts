import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { mockBackend } from "../../test/fixtures";
import type { Skill } from "../types/core";
import SkillOffer from "./SkillOffer.svelte";

const offered = (over: Partial<Skill> = {}): Skill =>
  ({
    id: "sk-9",
    name: "saas-competitors",
    status: "active",
    offered: true,
    source_tasks: ["t1", "t2", "t3"],
    validation: { task_id: "t4", source_task_id: "t3", passed: true, reason: "ok", tokens: 2200, source_tokens: 10000 },
    ...over,
  }) as Skill;

describe("SkillOffer", () => {
  it("says a skill is ready and what it saved, and keeps it", async () => {
    const keepSkill = vi.fn(async () => offered({ offered: false }));
    const skills = vi.fn(async () => [offered(), offered({ id: "sk-1", name: "old", offered: false })]);
    render(SkillOffer, { backend: mockBackend({ skills, keepSkill }), onopen: vi.fn() });
    const offer = await screen.findByTestId("skill-offer");
    expect(offer.textContent).toContain("3 tasks like this → skill ready");
    expect(offer.textContent).toContain("it saved 78% of the tokens on its validation run");
    expect(screen.getAllByTestId("skill-offer")).toHaveLength(1);
    await fireEvent.click(screen.getByRole("button", { name: "Keep" }));
    expect(keepSkill).toHaveBeenCalledWith("sk-9");
  });

  it("says why a skill it made is not used, and discards it", async () => {
    const deleteSkill = vi.fn(async () => {});
    const failed = offered({
      status: "rejected",
      validation: { task_id: "t4", source_task_id: "t3", passed: false, reason: "the run ended failed", tokens: 0, source_tokens: 1 },
    });
    render(SkillOffer, { backend: mockBackend({ skills: vi.fn(async () => [failed]), deleteSkill }), onopen: vi.fn() });
    const offer = await screen.findByTestId("skill-offer");
    expect(offer.textContent).toContain("the run ended failed");
    await fireEvent.click(screen.getByRole("button", { name: "Discard" }));
    expect(deleteSkill).toHaveBeenCalledWith("sk-9");
  });
});
