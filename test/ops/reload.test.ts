// `switchyard serve` as a real process: SIGHUP re-reads the config file (a new model and a new
// tenant key work at once), an invalid file is refused with every error logged and the running
// config kept, and SIGTERM drains and exits 0.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { freshPostgres, type FreshPostgres } from '../helpers/db.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';

const ACME_KEY = 'sy_acme_reload_key_0123456789abc';
const BETA_KEY = 'sy_beta_reload_key_0123456789abc';
const configPath = join(mkdtempSync(join(tmpdir(), 'sy-reload-')), 'switchyard.yaml');
let pg: FreshPostgres;
let server: ServerProcess;
let httpUrl: string;

const config = (extra: { model?: boolean; beta?: boolean }) => `
providers:
  - { id: local, kind: openai_compatible, base_url: "http://127.0.0.1:9/v1" }
models:
  - { id: local/base, provider: local, upstream_model: base, context_window: 8000, max_output_tokens: 100 }
${extra.model ? '  - { id: local/extra, provider: local, upstream_model: extra, context_window: 8000, max_output_tokens: 100 }' : ''}
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }] }
${extra.beta ? '  - { id: beta, keys: [{ key_env: BETA_KEY }] }' : ''}
`;

beforeAll(async () => {
  pg = await freshPostgres({ migrate: false });
  writeFileSync(configPath, config({}));
  server = await spawnServer({
    configPath,
    env: { DATABASE_URL: pg.url, ACME_KEY, BETA_KEY, SWITCHYARD_SHUTDOWN_GRACE_SECONDS: '1' },
  });
  const serving = server.logs.find((l) => l.msg === 'switchyard serving')!;
  httpUrl = `http://${String(serving.http)}`;
}, 60_000);

afterAll(async () => {
  if (server && server.proc.exitCode === null) await server.kill();
  await pg?.drop();
});

const model = async (id: string, key = ACME_KEY) =>
  (await fetch(`${httpUrl}/v1/models/${id}`, { headers: { authorization: `Bearer ${key}` } })).status;
const logged = (msg: string) => server.logs.filter((l) => l.msg === msg);

it('SIGHUP applies a changed config file: a new model and a new key work at once', async () => {
  expect(await model('local/extra')).toBe(404);
  expect(await model('local/base', BETA_KEY)).toBe(401);
  writeFileSync(configPath, config({ model: true, beta: true }));
  server.proc.kill('SIGHUP');
  await vi.waitFor(() => expect(logged('config reloaded')).toHaveLength(1), { timeout: 15_000 });
  expect(await model('local/extra')).toBe(200);
  expect(await model('local/base', BETA_KEY)).toBe(200);
});

it('an invalid file is refused with every error logged, and the running config stays', async () => {
  // Two mistakes in different places: each gets its own log line.
  writeFileSync(
    configPath,
    config({ model: true, beta: true })
      .replace('kind: openai_compatible', 'kind: no_such_kind')
      .replace('context_window: 8000', 'context_window: -1'),
  );
  server.proc.kill('SIGHUP');
  await vi.waitFor(() => expect(logged('config reload rejected; the running config is kept').length).toBeGreaterThan(0), {
    timeout: 15_000,
  });
  const errors = logged('config reload rejected; the running config is kept').map((l) => String(l.error));
  expect(errors).toHaveLength(2);
  expect(errors.some((e) => e.startsWith('providers[0].kind:'))).toBe(true);
  expect(errors.some((e) => e.startsWith('models[0].context_window:'))).toBe(true);
  expect(server.proc.exitCode).toBeNull();
  expect(await model('local/extra')).toBe(200);
  expect(logged('config reloaded')).toHaveLength(1);
});

it('SIGTERM drains and exits 0', async () => {
  expect(await server.stop()).toBe(0);
  expect(logged('stopped')).toHaveLength(1);
});
