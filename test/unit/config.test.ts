import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../../src/catalog/types.js';
import { ConfigError, detectProviders, loadConfig, sha256Hex } from '../../src/config/load.js';
import { STRATEGIES } from '../../src/routing/types.js';

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-config-'));
  const path = join(dir, 'switchyard.yaml');
  writeFileSync(path, text);
  return path;
}

function configError(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    loadConfig({ config: file(text) }, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a config error');
}

describe('config', () => {
  it('defaults with no file and no env', () => {
    const c = loadConfig({}, {});
    expect(c.grpcListen).toBe('127.0.0.1:50051');
    expect(c.httpListen).toBe('127.0.0.1:8080');
    expect(c.dataDir).toBe('./.switchyard');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.maxMessageBytes).toBe(4 * 1024 * 1024);
    expect(c.providers).toEqual([]);
  });

  it('flags beat env, env beats the file', () => {
    const path = file('server:\n  grpc_listen: 127.0.0.1:1\n  http_listen: 127.0.0.1:2\n');
    const env = { SWITCHYARD_GRPC_LISTEN: '127.0.0.1:3', DATABASE_URL: 'postgres://x/y', SWITCHYARD_DATA_DIR: '/d' };
    const c = loadConfig({ config: path, httpListen: '127.0.0.1:4' }, env);
    expect(c.grpcListen).toBe('127.0.0.1:3');
    expect(c.httpListen).toBe('127.0.0.1:4');
    expect(c.databaseUrl).toBe('postgres://x/y');
    expect(c.dataDir).toBe('/d');
  });

  it('detects providers from the environment when the file names none', () => {
    const p = detectProviders({ OPENAI_API_KEY: 'sk-1', ANTHROPIC_API_KEY: 'a', OLLAMA_HOST: '127.0.0.1:11434' });
    expect(p.map((x) => x.id)).toEqual(['openai', 'anthropic', 'ollama']);
    expect(p[2]!.baseUrl).toBe('http://127.0.0.1:11434');
    expect(p[2]!.local).toBe(true);
  });

  it('never exposes a key through printing or JSON', () => {
    const c = loadConfig(
      { config: file('providers:\n  - id: oa\n    kind: openai\n    api_key_env: MY_KEY\n') },
      { MY_KEY: 'sk-canary-123' },
    );
    expect(c.providers[0]!.apiKey?.reveal()).toBe('sk-canary-123');
    expect(JSON.stringify(c)).not.toContain('sk-canary-123');
    expect(inspect(c, { depth: 10 })).not.toContain('sk-canary-123');
    expect(String(c.providers[0]!.apiKey)).toBe('[redacted]');
  });

  it('names the bad key', () => {
    expect(configError('providers:\n  - id: oa\n    kind: openia\n')).toContain('providers[0].kind');
    expect(configError('server:\n  grpc_listen: nope\n')).toContain('server.grpc_listen');
    expect(configError('bogus: 1\n')).toMatch(/bogus|Unrecognized/);
    expect(configError('aliases:\n  fast:\n    targets: []\n')).toContain('aliases.fast.targets');
    expect(configError('providers:\n  - id: a\n    kind: openai\n  - id: a\n    kind: openai\n')).toContain('duplicate id "a"');
    expect(configError('tenants:\n  - id: acme\n    keys:\n      - key_env: ACME_KEY\n')).toContain('tenants[0].keys[0].key_env');
    expect(configError('models:\n  - id: x/y\n    pricing: { input: 0.5 }\n')).toContain('models[0].pricing.input');
    expect(configError('a: [1,\n')).toContain('invalid YAML');
  });

  it('resolves tenant keys to hashes and the admin key', () => {
    const c = loadConfig(
      { config: file('tenants:\n  - id: acme\n    keys:\n      - name: ci\n        key_env: ACME_KEY\n') },
      { ACME_KEY: 'k-acme', SWITCHYARD_ADMIN_KEY: 'k-admin' },
    );
    expect(c.keys).toEqual([{ tenant: 'acme', name: 'ci', hash: sha256Hex('k-acme') }]);
    expect(c.adminKeyHash).toBe(sha256Hex('k-admin'));
  });

  it('parses aliases, models with integer prices, routes', () => {
    const c = loadConfig(
      {
        config: file(`
models:
  - id: my-vllm/llama-3.1-8b
    provider: my-vllm
    context_window: 131072
    pricing: { input: 100000, output: "200000" }
aliases:
  fast:
    strategy: cheapest
    targets: [openai/gpt-4o-mini, { model: my-vllm/llama-3.1-8b, weight: 3 }]
routes:
  - { worker_id: summarizer, target: fast }
`),
      },
      {},
    );
    expect(c.models[0]!.pricing).toEqual({ input: 100000n, output: 200000n });
    expect(c.aliases.fast!.targets).toEqual([
      { model: 'openai/gpt-4o-mini', weight: 1 },
      { model: 'my-vllm/llama-3.1-8b', weight: 3 },
    ]);
    expect(c.routes[0]).toMatchObject({ worker_id: 'summarizer', target: 'fast', tenant: '' });
  });

  // config/ sits below routing and the catalog, so the file spells their names in its own lists
  // (config/schema.ts); the compiler catches a name the domain lacks, this a name the file lacks.
  it('accepts every strategy routing implements and every catalog capability', () => {
    const aliases = STRATEGIES.map((s) => `  a_${s}:\n    strategy: ${s}\n    targets: [openai/gpt-4o-mini]\n`).join('');
    const c = loadConfig(
      { config: file(`aliases:\n${aliases}models:\n  - id: x/y\n    capabilities: [${CAPABILITIES.join(', ')}]\n`) },
      {},
    );
    expect(Object.values(c.aliases).map((a) => a.strategy)).toEqual([...STRATEGIES]);
    expect(c.models[0]!.capabilities).toEqual([...CAPABILITIES]);
    expect(configError('aliases:\n  a:\n    strategy: random\n    targets: [x/y]\n')).toContain('aliases.a.strategy');
    expect(configError('models:\n  - id: x/y\n    capabilities: [telepathy]\n')).toContain('models[0].capabilities[0]');
  });
});
