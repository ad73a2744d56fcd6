// How numbers, durations and states read everywhere in the War Room.
import type { BudgetLimits, SkillValidation, SubtaskStatus, TaskStatus } from "./types/core";

export type AnyStatus = TaskStatus | SubtaskStatus;

/** One icon per state, everywhere (WAR-ROOM.md); the label is for screen readers and tooltips. */
export const STATE_ICONS: Record<AnyStatus, string> = {
  pending: "○",
  running: "◐",
  complete: "✓",
  completed: "✓",
  failed: "✗",
  cancelled: "⊘",
};

export function tokens(n: number): string {
  return n.toLocaleString("en-US");
}

/** Dollars from cents: `$0.02`; `$0.00` only when nothing was spent. */
export function dollarsFromCents(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

/** A cost in cents, or "cost unknown" when a call ran on a model without a known price (never
 * a misleading $0). */
export function costFromCents(cents: number, unknown: boolean): string {
  return unknown ? "cost unknown" : dollarsFromCents(cents);
}

/** Unrounded dollars, or "cost unknown". */
export function cost(usd: number, unknown: boolean): string {
  return unknown ? "cost unknown" : dollars(usd);
}

/** Unrounded dollars for small amounts: `$0.0012`. */
export function dollars(usd: number): string {
  if (usd === 0) return "$0.00";
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/** `3m12s`, `0m31s`, `1h02m`; `—` before it starts. */
export function elapsed(start: string | null, end: string | null, now: number): string {
  if (!start) return "—";
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : now;
  const s = Math.max(0, Math.round((to - from) / 1000));
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  }
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** `just now`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function relative(at: string, now: number): string {
  const s = Math.max(0, (now - Date.parse(at)) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

export function isLive(status: AnyStatus): boolean {
  return status === "pending" || status === "running";
}

/** The limits that are set, in words: `$5.00 · 2,000,000 tokens · 100 steps · 60 min`. */
export function limits(l: BudgetLimits): string {
  const parts: string[] = [];
  if (l.cost_cents !== null) parts.push(dollarsFromCents(l.cost_cents));
  if (l.tokens !== null) parts.push(`${tokens(l.tokens)} tokens`);
  if (l.steps !== null) parts.push(`${l.steps} steps`);
  if (l.seconds !== null) parts.push(l.seconds % 60 === 0 ? `${l.seconds / 60} min` : `${l.seconds} s`);
  return parts.length > 0 ? parts.join(" · ") : "no limits";
}

/** The share of tokens a skill's passed validation run saved against its source tasks (0–100),
 * or `null` when it did not pass or there is nothing to compare with. */
export function validationSaving(v: SkillValidation | null): number | null {
  if (!v?.passed || v.source_tokens <= 0) return null;
  return Math.round(100 * (1 - v.tokens / v.source_tokens));
}
