// Two replicas on one Postgres database: an admin change made through one is seen by the
// other at once (NOTIFY), without a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { type Db } from '../../src/store/db.js';
import { openDb } from '../../src/store/open.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import {
  ADMIN_KEY,
  ACME_KEY,
  bearer,
  call,
  callError,
  CONFIG_YAML,
  grpcClients,
  serverEnv,
  userMessage,
  type Clients,
} from './fixtures.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

let a: TestServer;
let bDb: Db;
let b: App;
let ca: Clients;
let cb: Clients;

beforeAll(async () => {
  a = await startTestServer({ yaml: CONFIG_YAML, env: serverEnv() });
  const path = join(mkdtempSync(join(tmpdir(), 'sy-replica-')), 'switchyard.yaml');
  writeFileSync(path, CONFIG_YAML);
  bDb = await openDb({ databaseUrl: a.pg.url });
  b = await startApp({
    config: loadConfig({ config: path, grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0' }, serverEnv()),
    db: bDb,
    log: silentLogger,
    env: serverEnv(),
  });
  ca = grpcClients(a.grpcAddress);
  cb = grpcClients(`127.0.0.1:${b.grpcPort}`);
}, 60_000);

afterAll(async () => {
  ca?.close();
  cb?.close();
  await b?.close(500);
  await bDb?.close();
  await a?.stop();
});

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

describe('two replicas, one database', () => {
  it('an alias created on one replica routes on the other within a second', async () => {
    const before = await callError(cb.router, 'Route', { model: 'fresh-alias', messages: [userMessage('x')] }, bearer(ACME_KEY));
    expect(before.details).toMatch(/fresh-alias/);
    // The periodic backstop is 30 s: seeing the alias within `eventually`'s few seconds means
    // the NOTIFY path carried it.
    await call(ca.admin, 'CreateAlias', { alias: { name: 'fresh-alias', targets: [{ model: 'openai/gpt-4o-mini' }] } }, bearer(ADMIN_KEY));
    const r = await eventually(() => call(cb.router, 'Route', { model: 'fresh-alias', messages: [userMessage('x')] }, bearer(ACME_KEY)));
    expect(r.resolved).toBe('fresh-alias');
  });
});
