// The stored form of an alias: the store keeps the body as opaque JSON; this is the one place
// that knows its shape, read by the runtime state (to route) and by AdminService (to answer).
import type { AliasDef, StrategyName } from '../routing/types.js';

/** An alias as AdminService takes and returns it. */
export interface AliasInput {
  name: string;
  /** undefined: priority order. */
  strategy: StrategyName | undefined;
  /** weight 0 means "unset" and is stored as 1. */
  targets: Array<{ model: string; weight: number }>;
  description: string;
}

/** Stored alias bodies are `{ strategy, targets: [{ model, weight }], description }`. */
export function aliasFromBody(name: string, body: unknown): AliasDef {
  const b = (body ?? {}) as { strategy?: StrategyName; targets?: Array<{ model: string; weight?: number }> };
  return {
    name,
    strategy: b.strategy ?? 'priority',
    targets: (b.targets ?? []).map((t) => ({ model: t.model, weight: t.weight ?? 1 })),
  };
}

/** The description stored with an alias ("" when none). */
export function aliasDescription(body: unknown): string {
  return String((body as { description?: unknown } | null)?.description ?? '');
}

export function aliasToBody(a: AliasInput): Record<string, unknown> {
  return {
    strategy: a.strategy ?? 'priority',
    targets: a.targets.map((t) => ({ model: t.model, weight: t.weight || 1 })),
    description: a.description,
  };
}
