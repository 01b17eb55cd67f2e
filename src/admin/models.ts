// What callers can route to, as changed through AdminService: model overrides (patch or hide a
// catalog model, or add one), aliases (a name over several models) and route rules (which
// model serves a tenant / worker / task type when the caller names none). Each change is
// routed on at once on this replica (publishChange) and on the others by NOTIFY.
import { patchToJson } from '../catalog/overrides.js';
import type { ModelEntry } from '../catalog/types.js';
import * as aliases from '../store/repos/aliases.js';
import { NotFoundError } from '../store/errors.js';
import * as overrides from '../store/repos/model-overrides.js';
import type { Page, PageRequest } from '../store/repos/page.js';
import type { StrategyName } from '../routing/types.js';
import * as rules from '../store/repos/route-rules.js';
import { aliasToBody, type AliasInput } from './alias-body.js';
import type { AdminDeps } from './deps.js';
import { FieldProblems } from './validate.js';

export type { Alias } from '../store/repos/aliases.js';
export type { ModelOverride } from '../store/repos/model-overrides.js';
export type { RouteRule } from '../store/repos/route-rules.js';
export type { AliasInput } from './alias-body.js';

// ── Model overrides ─────────────────────────────────────────────────────────

export interface OverrideInput {
  /** "provider/model". */
  modelId: string;
  /** The fields that differ from the catalog's (or the whole entry of a new model). */
  patch: Partial<ModelEntry>;
  disabled: boolean;
  /** 0..100; null: the catalog's. */
  quality: number | null;
}

const overrideRow = (o: OverrideInput): overrides.NewModelOverride => ({
  modelId: o.modelId,
  patch: patchToJson(o.patch),
  disabled: o.disabled,
  quality: o.quality,
});

export async function createModelOverride(d: AdminDeps, o: OverrideInput): Promise<overrides.ModelOverride> {
  const row = await overrides.createModelOverride(d.db, overrideRow(o));
  await d.changes.publishChange('model_override');
  return row;
}

/** Replaces an existing override; NOT_FOUND when there is none (creating is CreateModelOverride's job). */
export async function updateModelOverride(d: AdminDeps, o: OverrideInput): Promise<overrides.ModelOverride> {
  // One transaction: an override deleted between the check and the write is not brought back.
  const row = await d.db.transaction(async (tx) => {
    if (!(await overrides.getModelOverride(tx, o.modelId))) throw new NotFoundError('model_override', o.modelId);
    return overrides.putModelOverride(tx, overrideRow(o));
  });
  await d.changes.publishChange('model_override');
  return row;
}

/** `provider`: only that provider's models (filtered within the page, as the page cursor is the model id). */
export async function listModelOverrides(d: AdminDeps, page: PageRequest, provider?: string): Promise<Page<overrides.ModelOverride>> {
  const p = await overrides.listModelOverrides(d.db, page);
  return provider ? { items: p.items.filter((o) => o.modelId.startsWith(`${provider}/`)), next: p.next } : p;
}

export async function deleteModelOverride(d: AdminDeps, modelId: string): Promise<void> {
  await overrides.deleteModelOverride(d.db, modelId);
  await d.changes.publishChange('model_override');
}

// ── Aliases ─────────────────────────────────────────────────────────────────

/** Every target must be a model this replica's catalog knows (fields named as in the Alias message). */
function checkAlias(d: AdminDeps, a: AliasInput): void {
  const v = new FieldProblems();
  v.checkId('alias.name', a.name);
  if (a.targets.length === 0) v.add('alias.targets', 'must name at least one model');
  const catalog = d.state.snapshot().catalog;
  a.targets.forEach((t, i) => {
    if (!catalog.resolve(t.model)) v.add(`alias.targets[${i}].model`, `unknown model "${t.model}"`);
    if (t.weight < 0) v.add(`alias.targets[${i}].weight`, 'must not be negative');
  });
  v.throwIfAny();
}

export async function createAlias(d: AdminDeps, a: AliasInput): Promise<aliases.Alias> {
  checkAlias(d, a);
  const row = await aliases.createAlias(d.db, a.name, aliasToBody(a));
  await d.changes.publishChange('alias');
  return row;
}

/** Create or replace. */
export async function updateAlias(d: AdminDeps, a: AliasInput): Promise<aliases.Alias> {
  checkAlias(d, a);
  const row = await aliases.putAlias(d.db, a.name, aliasToBody(a));
  await d.changes.publishChange('alias');
  return row;
}

export function listAliases(d: AdminDeps, page: PageRequest): Promise<Page<aliases.Alias>> {
  return aliases.listAliases(d.db, page);
}

export async function deleteAlias(d: AdminDeps, name: string): Promise<void> {
  await aliases.deleteAlias(d.db, name);
  await d.changes.publishChange('alias');
}

// ── Route rules ─────────────────────────────────────────────────────────────

export interface RouteRuleInput {
  id: string;
  /** "" matches every tenant (likewise workerId and taskType). */
  tenantId: string;
  workerId: string;
  taskType: string;
  /** A model or an alias. */
  target: string;
  /** null: the target's own. */
  strategy: StrategyName | null;
}

const ruleFields = (r: RouteRuleInput): Omit<rules.NewRouteRule, 'id'> => ({
  tenantId: r.tenantId,
  workerId: r.workerId,
  taskType: r.taskType,
  target: r.target,
  strategy: r.strategy,
});

export async function createRouteRule(d: AdminDeps, r: RouteRuleInput): Promise<rules.RouteRule> {
  const row = await rules.createRouteRule(d.db, { id: r.id, ...ruleFields(r) });
  await d.changes.publishChange('route_rule');
  return row;
}

export async function updateRouteRule(d: AdminDeps, r: RouteRuleInput): Promise<rules.RouteRule> {
  const row = await rules.updateRouteRule(d.db, r.id, ruleFields(r));
  await d.changes.publishChange('route_rule');
  return row;
}

/** `tenantId`: only that tenant's rules. */
export function listRouteRules(d: AdminDeps, page: PageRequest, tenantId?: string): Promise<Page<rules.RouteRule>> {
  return rules.listRouteRules(d.db, { ...page, tenantId });
}

export async function deleteRouteRule(d: AdminDeps, id: string): Promise<void> {
  await rules.deleteRouteRule(d.db, id);
  await d.changes.publishChange('route_rule');
}
