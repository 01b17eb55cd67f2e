// The demo provider in the resolved configuration: `switchyard serve --demo`, a dev-mode start
// with no provider at all, or a config file that lists a provider of kind `demo` (users' CI).
// The demo models join the catalog through the same override mechanism as the file's `models:`
// (placed first, so the file can still refine or hide them), never through the embedded data.
import { ConfigError, type ProviderSpec, type ResolvedConfig } from '../config/load.js';
import type { ModelConfig } from '../config/schema.js';
import { DEMO_MODELS, DEMO_PROVIDER_ID } from '../providers/demo/models.js';
import type { Queryable } from '../store/db.js';
import { listProviders } from '../store/repos/providers.js';

/** Why the demo is on, for the start-up log line; undefined: it is off. */
export type DemoReason = 'flag' | 'dev_mode_without_providers' | 'configured';

export const DEMO_PROVIDER: ProviderSpec = {
  id: DEMO_PROVIDER_ID,
  kind: 'demo',
  regions: [],
  // Nothing leaves the process: any data sensitivity may go there, and zero prices mean free.
  local: true,
  disabled: false,
  source: 'config',
};

export const DEMO_MODEL_CONFIGS: readonly ModelConfig[] = DEMO_MODELS.map((m) => ({
  id: `${DEMO_PROVIDER_ID}/${m.name}`,
  provider: DEMO_PROVIDER_ID,
  upstream_model: m.name,
  kind: m.kind,
  display_name: m.displayName,
  context_window: m.contextWindow,
  max_output_tokens: m.maxOutputTokens,
  pricing: { input: 0n, output: 0n, cached_input: 0n },
  capabilities: [...m.capabilities],
  ...(m.embeddingDimensions ? { embedding_dimensions: m.embeddingDimensions } : {}),
  local: true,
}));

/**
 * Whether the demo is on: asked for (`--demo`), or `auto` (what `serve` passes) in dev mode with
 * no provider in the config or the database, or a `demo` provider in the config.
 */
export function demoReason(
  config: ResolvedConfig,
  opts: { demo?: 'on' | 'auto' | undefined; devMode: boolean; storedProviders: number },
): DemoReason | undefined {
  if (opts.demo === 'on') return 'flag';
  if (config.providers.some((p) => p.kind === 'demo')) return 'configured';
  if (opts.demo === 'auto' && opts.devMode && config.providers.length === 0 && opts.storedProviders === 0) {
    return 'dev_mode_without_providers';
  }
  return undefined;
}

/** The config with the demo provider (unless one of kind demo is there) and the demo models. */
export function withDemo(config: ResolvedConfig): ResolvedConfig {
  const hasDemo = config.providers.some((p) => p.kind === 'demo');
  const taken = config.providers.find((p) => p.id === DEMO_PROVIDER_ID);
  if (!hasDemo && taken) {
    // Another kind under the id "demo" would receive every demo/... call.
    throw new ConfigError(`the demo needs the provider id "${DEMO_PROVIDER_ID}", which a provider of kind ${taken.kind} already has`);
  }
  return {
    ...config,
    providers: hasDemo ? config.providers : [...config.providers, DEMO_PROVIDER],
    models: [...DEMO_MODEL_CONFIGS, ...config.models],
  };
}

/** The config to serve and why the demo is on (undefined: off); reads the database only for `auto`. */
export async function resolveDemo(
  db: Queryable,
  config: ResolvedConfig,
  opts: { demo?: 'on' | 'auto' | undefined; devMode: boolean },
): Promise<{ config: ResolvedConfig; reason?: DemoReason }> {
  const mayAuto = opts.demo === 'auto' && opts.devMode && config.providers.length === 0;
  const storedProviders = mayAuto ? (await listProviders(db, { limit: 1 })).items.length : 0;
  const reason = demoReason(config, { ...opts, storedProviders });
  return reason ? { config: withDemo(config), reason } : { config };
}
