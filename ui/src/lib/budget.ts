// Budget limits as the War Room's forms edit them: dollars and minutes as typed text, an empty
// field meaning "no limit" (Settings) or "the default" (the prompt bar).
import type { BudgetLimits, LimitsChange } from "./types/core";

export interface LimitsForm {
  dollars: string;
  tokens: string;
  steps: string;
  minutes: string;
}

export const EMPTY_LIMITS: LimitsForm = { dollars: "", tokens: "", steps: "", minutes: "" };

export function formOf(l: BudgetLimits): LimitsForm {
  return {
    dollars: l.cost_cents === null ? "" : (l.cost_cents / 100).toFixed(2),
    tokens: l.tokens === null ? "" : String(l.tokens),
    steps: l.steps === null ? "" : String(l.steps),
    minutes: l.seconds === null ? "" : String(Math.round((l.seconds / 60) * 100) / 100),
  };
}

/** A field's number, or `null` when it is empty; throws with the field's name when it is not a
 * positive number. */
function read(text: string, name: string, scale: number): number | null {
  const t = text.trim();
  if (t === "") return null;
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a number above 0, or empty`);
  return Math.ceil(n * scale);
}

export function limitsOf(f: LimitsForm): BudgetLimits {
  return {
    cost_cents: read(f.dollars, "Cost", 100),
    tokens: read(f.tokens, "Tokens", 1),
    steps: read(f.steps, "Steps", 1),
    seconds: read(f.minutes, "Minutes", 60),
  };
}

/** Only the fields that were filled in, as a change to the default budget; `null` when none was. */
export function changeOf(f: LimitsForm): LimitsChange | null {
  const l = limitsOf(f);
  const change: LimitsChange = {};
  if (l.cost_cents !== null) change.cost_cents = l.cost_cents;
  if (l.tokens !== null) change.tokens = l.tokens;
  if (l.steps !== null) change.steps = l.steps;
  if (l.seconds !== null) change.seconds = l.seconds;
  return Object.keys(change).length > 0 ? change : null;
}
