// `switchyard serve` exits on its own after SIGTERM (issue 12 §5): nothing it opened (database
// pool or PGlite, LISTEN client, janitor, escrow and ledger timers, the limiter's Redis
// connection, upstream keep-alive sockets, spool) may keep the event loop alive once it has
// logged "stopped". Run as a real child process, on PGlite and on Postgres, idle and after a
// metered call. No timing is asserted: a process that never exits fails after a generous bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { OpenAiFake } from '../fakes/openai.js';
import { freshPostgres, type FreshPostgres } from '../helpers/db.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { bearer, grpcClients, userMessage, type Any } from './fixtures.js';

const KEY = 'sy_exit_e2e_tenant_key_0123456789';
/** Far beyond any shutdown (the grace is 10 s): past it the process is taken to hang. */
const EXIT_BOUND_MS = 20_000;

const openai = new OpenAiFake();
let dir = '';
let configPath = '';

beforeAll(async () => {
  const url = await openai.start();
  openai.script('metered', openai.render({ type: 'text', text: 'ok', usage: { inputTokens: 1, outputTokens: 2 } }));
  dir = mkdtempSync(join(tmpdir(), 'sy-exit-'));
  configPath = join(dir, 'switchyard.yaml');
  writeFileSync(
    configPath,
    `
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
  - { id: oai/metered, provider: oai, upstream_model: metered, context_window: 100000, max_output_tokens: 100, capabilities: [streaming], pricing: { input: 1000000, output: 1000000 } }
tenants:
  - id: acme
    keys:
      - { name: ci, key_env: TENANT_KEY }
budgets:
  - { tenant: acme, scope: tenant, period: total, limit_usd: "10" }
limiter:
  redis_url: "redis://127.0.0.1:6379"
`,
  );
});

afterAll(async () => {
  await openai.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** SIGTERM, then the exit code; a process still alive after the bound is killed and reported. */
async function stopAndWait(s: ServerProcess): Promise<number | null | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), EXIT_BOUND_MS);
  });
  const outcome = await Promise.race([s.stop(), hung]);
  clearTimeout(timer);
  if (outcome === 'hung') await s.kill();
  return outcome;
}

function chatOnce(address: string): Promise<string> {
  const c = grpcClients(address);
  return new Promise<string>((resolve) => {
    let finish = '';
    const stream = c.router.Chat(
      { model: 'oai/metered', messages: [userMessage('hi')], options: { max_output_tokens: 10 } },
      bearer(KEY),
    ) as grpc.ClientReadableStream<Any>;
    stream.on('data', (m: Any) => {
      if (m.event === 'finish') finish = m.finish.reason;
    });
    stream.on('error', (err: grpc.ServiceError) => resolve(`error ${err.code} ${err.details}`));
    stream.on('end', () => resolve(finish));
  }).finally(() => c.close());
}

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`serve on ${backend}`, () => {
    let pg: FreshPostgres | undefined;
    const env = (): NodeJS.ProcessEnv => ({
      TENANT_KEY: KEY,
      OAI_KEY: 'sk-fake',
      SWITCHYARD_ADMIN_KEY: 'sy_admin_exit_e2e_0123456789',
      ...(pg ? { DATABASE_URL: pg.url } : { SWITCHYARD_DATA_DIR: mkdtempSync(join(dir, 'data-')) }),
    });

    beforeAll(async () => {
      if (backend === 'postgres') pg = await freshPostgres();
    }, 60_000);

    afterAll(async () => {
      await pg?.drop();
    });

    it('exits with 0 on SIGTERM sent as soon as it serves', async () => {
      const s = await spawnServer({ configPath, env: env() });
      expect(await stopAndWait(s)).toBe(0);
      expect(s.logs.some((l) => l.msg === 'stopped')).toBe(true);
    }, 60_000);

    it('exits with 0 on SIGTERM after a metered call', async () => {
      const s = await spawnServer({ configPath, env: env() });
      expect(await chatOnce(s.grpcAddress)).toBe('FINISH_REASON_STOP');
      expect(await stopAndWait(s)).toBe(0);
      expect(s.logs.some((l) => l.msg === 'stopped')).toBe(true);
    }, 60_000);
  });
}
