// /healthz/live and /healthz/ready on the HTTP port, and the gRPC health service, against a
// real Postgres that is made unreachable (connections refused and cut) and then restored.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import pg from 'pg';
import { startApp, type App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { freshPostgres, TEST_PG_URL, type FreshPostgres } from '../helpers/db.js';
import { call, LOADER_OPTIONS, ROOT, type Any } from '../e2e/fixtures.js';

let db: FreshPostgres;
let app: App;
let base: string;
let health: Any;
const logs: string[] = [];

beforeAll(async () => {
  db = await freshPostgres();
  const config = loadConfig({ grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0' }, {});
  app = await startApp({
    config,
    db: db.db,
    env: {},
    log: createLogger('debug', (l) => logs.push(l)),
    // Short, so the test sees a change within its own time limit.
    readinessIntervalMs: 100,
  });
  base = `http://127.0.0.1:${app.httpPort}`;
  const pkg: Any = grpc.loadPackageDefinition(
    protoLoader.loadSync(`${ROOT}node_modules/grpc-health-check/proto/health/v1/health.proto`, LOADER_OPTIONS),
  );
  health = new pkg.grpc.health.v1.Health(`127.0.0.1:${app.grpcPort}`, grpc.credentials.createInsecure());
}, 60_000);

afterAll(async () => {
  health?.close();
  await setReachable(true).catch(() => undefined);
  await app?.close(500);
  await db?.drop();
});

/** Refuses new connections to the test database and cuts the open ones (or allows them again). */
async function setReachable(on: boolean): Promise<void> {
  const name = new URL(db.url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS ${on}`);
    if (!on) await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  } finally {
    await admin.end();
  }
}

const get = async (path: string) => {
  const res = await fetch(base + path);
  return { status: res.status, body: (await res.json()) as { status: string; reasons?: string[] } };
};
const grpcStatus = async (service: string) => (await call(health, 'Check', { service })).status as string;

it('is live and ready with a reachable database, on HTTP and gRPC', async () => {
  expect(await get('/healthz/live')).toEqual({ status: 200, body: { status: 'ok' } });
  expect(await get('/healthz/ready')).toEqual({ status: 200, body: { status: 'ready' } });
  expect(await grpcStatus('')).toBe('SERVING');
  expect(await grpcStatus('switchyard.v1.RouterService')).toBe('SERVING');
  const head = await fetch(`${base}/healthz/ready`, { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect((await fetch(`${base}/healthz/ready`, { method: 'POST' })).status).toBe(405);
});

it('is not ready while the database is unreachable, still live, and ready again once it is back', async () => {
  await setReachable(false);
  await vi.waitFor(async () => expect((await get('/healthz/ready')).status).toBe(503), { timeout: 15_000, interval: 50 });
  expect((await get('/healthz/ready')).body).toEqual({ status: 'not ready', reasons: ['database unreachable'] });
  expect(await get('/healthz/live')).toEqual({ status: 200, body: { status: 'ok' } });
  expect(await grpcStatus('')).toBe('NOT_SERVING');
  expect(await grpcStatus('switchyard.v1.AdminService')).toBe('NOT_SERVING');
  expect(logs.some((l) => l.includes('database unreachable: not ready'))).toBe(true);

  await setReachable(true);
  await vi.waitFor(async () => expect((await get('/healthz/ready')).status).toBe(200), { timeout: 15_000, interval: 50 });
  expect(await grpcStatus('')).toBe('SERVING');
});

it('turns not ready as soon as the drain begins', async () => {
  const closing = app.close(500);
  expect(app.readiness.notReadyReasons()).toContain('draining');
  await closing;
});
