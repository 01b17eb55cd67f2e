// `switchyard models list|show` and `switchyard route`: answered in-process from the config
// file and the embedded catalog (no server, no database: admin changes stored in a database
// are not visible here — call the running server for those).
import { configModelOverride } from '../app/state.js';
import { buildSnapshot } from '../app/snapshot.js';
import { Catalog } from '../catalog/catalog.js';
import type { ModelEntry } from '../catalog/types.js';
import { loadConfig, type ConfigFlags } from '../config/load.js';
import { SwitchyardError, invalidField } from '../errors.js';
import { estimateInputTokens, HEURISTIC_TOKENIZER } from '../routing/estimate.js';
import { plan } from '../routing/planner.js';
import { buildPolicySnapshot, EMPTY_RULES } from '../routing/policy.js';
import { assertConfigPolicies } from '../routing/policy-config.js';
import { NO_REQUIREMENTS, STRATEGIES, type StrategyName } from '../routing/types.js';
import type { CliValues } from './args.js';

function offlineSnapshot(flags: ConfigFlags) {
  const config = loadConfig(flags);
  assertConfigPolicies(config);
  const catalog = Catalog.fromEmbedded(config.models.map(configModelOverride));
  const aliases = Object.entries(config.aliases).map(([name, a]) => ({ name, strategy: a.strategy, targets: a.targets }));
  // The config file's platform policy applies (as version 0: stored versions live in the database).
  const policy = buildPolicySnapshot({ version: 0, rules: config.policies.platform ?? EMPTY_RULES }, new Map());
  return buildSnapshot({ catalog, providers: config.providers, aliases, policyVersion: 'platform:0', policy });
}

const pico = (n: bigint) => `${n}`;
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2);

export async function modelsList(flags: ConfigFlags, v: CliValues): Promise<number> {
  const { catalog } = offlineSnapshot(flags);
  const kind = v.kind === undefined ? undefined : v.kind === 'chat' || v.kind === 'embedding' ? v.kind : undefined;
  if (v.kind !== undefined && !kind) throw invalidField('--kind', 'must be chat or embedding');
  const limit = v.limit ? Number(v.limit) : 50;
  if (!Number.isInteger(limit) || limit <= 0) throw invalidField('--limit', 'must be a positive integer');
  const page = catalog.list({ vendor: v.provider, kind, query: v.query }, Math.min(limit, 1000));
  if (v.json) {
    process.stdout.write(json(page) + '\n');
    return 0;
  }
  const rows = page.models.map((m) => [m.id, m.kind, String(m.contextWindow || '?'), pico(m.pricing.input), pico(m.pricing.output)]);
  printTable(['ID', 'KIND', 'CONTEXT', 'IN pUSD/tok', 'OUT pUSD/tok'], rows);
  process.stdout.write(`${page.models.length} of ${page.total} models${page.nextPageToken ? ' (more: raise --limit)' : ''}\n`);
  return 0;
}

export async function modelsShow(flags: ConfigFlags, id: string, v: CliValues): Promise<number> {
  const snap = offlineSnapshot(flags);
  const m: ModelEntry | undefined = snap.catalog.resolve(id, snap.preferredVendors);
  if (!m) throw new SwitchyardError('not_found', `model "${id}" is not in the catalog`, { reason: 'MODEL_NOT_FOUND' });
  process.stdout.write(json(m) + '\n');
  void v;
  return 0;
}

export async function routeCommand(flags: ConfigFlags, v: CliValues): Promise<number> {
  if (!v.model) throw invalidField('--model', 'is required');
  if (v.strategy && !STRATEGIES.includes(v.strategy as StrategyName)) {
    throw invalidField('--strategy', `must be one of ${STRATEGIES.join(', ')}`);
  }
  const maxOut = v['max-output'] ? Number(v['max-output']) : 0;
  if (!Number.isInteger(maxOut) || maxOut < 0) throw invalidField('--max-output', 'must be a non-negative integer');
  const messages = (v.message ?? []).map((content) => ({ content, parts: [], toolCalls: [] }));
  const snap = offlineSnapshot(flags);
  const p = plan(
    {
      model: v.model,
      kind: 'chat',
      inputTokens: estimateInputTokens(messages),
      tokenizer: HEURISTIC_TOKENIZER,
      maxOutputTokens: maxOut,
      requirements: NO_REQUIREMENTS,
      sensitivity: 'unspecified',
      strategy: v.strategy as StrategyName | undefined,
    },
    snap,
  );
  if (v.json) {
    process.stdout.write(
      json({ ...p, candidates: p.candidates.map((c) => ({ provider: c.provider, model: c.model.id, estimate: c.estimate })) }) + '\n',
    );
    return 0;
  }
  process.stdout.write(`resolved ${p.resolved} (strategy ${p.strategy})\n`);
  printTable(
    ['#', 'PROVIDER', 'MODEL', 'MAX COST pUSD'],
    p.candidates.map((c, i) => [String(i), c.provider, c.model.id, pico(c.estimate.maxCost)]),
  );
  for (const e of p.excluded) process.stdout.write(`excluded ${e.provider} ${e.model}: ${e.reason} (${e.detail})\n`);
  return 0;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write([line(header), ...rows.map(line)].join('\n') + '\n');
}
