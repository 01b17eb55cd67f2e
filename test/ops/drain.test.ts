// SIGTERM on a real `switchyard serve` process with a Chat stream open: a stream that does not
// finish within the configured grace (SWITCHYARD_SHUTDOWN_GRACE_SECONDS) gets a `finish` saying
// the server is shutting down, then UNAVAILABLE; the cut call's ledger row is written before
// exit, and the process exits 0.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { OpenAiFake } from '../fakes/openai.js';
import { freshPostgres, type FreshPostgres } from '../helpers/db.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { bearer, details, grpcClients, userMessage, type Any, type Clients } from '../e2e/fixtures.js';

const KEY = 'sy_acme_drain_key_0123456789abcd';
const openai = new OpenAiFake();
let pg: FreshPostgres;
let server: ServerProcess;
let clients: Clients;

beforeAll(async () => {
  const url = await openai.start();
  openai.script('hang', openai.render({ type: 'hang', text: 'thinking' }));
  const configPath = join(mkdtempSync(join(tmpdir(), 'sy-drain-')), 'switchyard.yaml');
  writeFileSync(
    configPath,
    `
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
  - { id: oai/hang, provider: oai, upstream_model: hang, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: 1, output: 1 } }
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }] }
`,
  );
  pg = await freshPostgres({ migrate: false });
  server = await spawnServer({
    configPath,
    env: { DATABASE_URL: pg.url, OAI_KEY: 'sk-test', ACME_KEY: KEY, SWITCHYARD_SHUTDOWN_GRACE_SECONDS: '0.5' },
  });
  clients = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  clients?.close();
  if (server && server.proc.exitCode === null) await server.kill();
  await pg?.drop();
  await openai.stop();
});

it('SIGTERM with a stream open: finish + UNAVAILABLE for the stream, ledger flushed, exit 0', async () => {
  const events: Any[] = [];
  const stream = clients.router.Chat({ model: 'oai/hang', messages: [userMessage('hi')] }, bearer(KEY));
  const ended = new Promise<grpc.ServiceError | undefined>((resolve) => {
    stream.on('error', resolve);
    stream.on('end', () => resolve(undefined));
  });
  await new Promise<void>((resolve) =>
    stream.on('data', (m: Any) => {
      events.push(m);
      if (m.event === 'delta') resolve();
    }),
  );

  server.proc.kill('SIGTERM');
  const err = await ended;
  expect(err?.code).toBe(grpc.status.UNAVAILABLE);
  expect(details(err!).errorInfo?.reason).toBe('SHUTTING_DOWN');
  expect(events.at(-1)?.event).toBe('finish');
  expect(await server.exited).toBe(0);
  expect(server.logs.some((l) => l.msg === 'stopped')).toBe(true);
  // The cut call's ledger row reached the database before the process exited.
  const rows = await pg.db.query<{ status: string }>('SELECT status FROM usage_ledger');
  expect(rows.rows).toHaveLength(1);
});
