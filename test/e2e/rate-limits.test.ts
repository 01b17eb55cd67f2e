// Rate limits shared by replicas (issue 12 §6): three replicas on one Postgres database and
// one Redis, a limit of N requests per minute for a tenant, N + 200 concurrent Chats spread
// over the replicas: exactly N are served, the rest are RESOURCE_EXHAUSTED before any upstream
// call, naming the limit (ErrorInfo RATE_LIMITED, QuotaFailure) and when to retry (RetryInfo).
// The replicas share a frozen clock, so "exactly N" cannot depend on how fast the calls run
// (a real clock refills one request every 60 s / N).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { fromBinary } from '@bufbuild/protobuf';
import { anyIs, anyUnpack } from '@bufbuild/protobuf/wkt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorInfoSchema,
  QuotaFailureSchema,
  RetryInfoSchema,
  type ErrorInfo,
  type QuotaFailure,
  type RetryInfo,
} from '../../gen/google/rpc/error_details_pb.js';
import { StatusSchema } from '../../gen/google/rpc/status_pb.js';
import { startApp, type App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import type { Db } from '../../src/store/db.js';
import { openDb } from '../../src/store/open.js';
import { OpenAiFake } from '../fakes/openai.js';
import { freshPostgres, type FreshPostgres } from '../helpers/db.js';
import { bearer, call, callError, details, grpcClients, userMessage, type Any, type Clients } from './fixtures.js';

const KEY = 'sy_ratelimit_e2e_tenant_key_0123456789';
const BETA_KEY = 'sy_ratelimit_e2e_beta_key_0123456789';
const ADMIN = 'sy_admin_ratelimit_e2e_0123456789';
const N = 60;
const CALLS = N + 200;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const openai = new OpenAiFake();
const FROZEN = 1_700_000_000_000;

interface Replica {
  app: App;
  db: Db;
  clients: Clients;
}

let pg: FreshPostgres;
let replicas: Replica[] = [];

beforeAll(async () => {
  const url = await openai.start();
  openai.script('metered', openai.render({ type: 'text', text: 'ok', usage: { inputTokens: 1, outputTokens: 2 } }));
  const configPath = join(mkdtempSync(join(tmpdir(), 'sy-ratelimit-')), 'switchyard.yaml');
  writeFileSync(
    configPath,
    `
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
  - { id: oai/metered, provider: oai, upstream_model: metered, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: 1, output: 1 } }
tenants:
  - id: acme
    keys:
      - { name: ci, key_env: TENANT_KEY }
  - id: beta
    keys:
      - { name: ci, key_env: BETA_KEY }
limits:
  - { tenant: acme, scope: tenant, requests_per_minute: ${N} }
limiter: { redis_url: "${REDIS_URL}", on_store_down: closed }
`,
  );
  pg = await freshPostgres();
  // One key prefix for this run: the replicas share buckets, other runs and tests do not.
  const keyPrefix = `sy:test:${randomUUID()}:`;
  const env = { TENANT_KEY: KEY, BETA_KEY, OAI_KEY: 'sk-fake', SWITCHYARD_ADMIN_KEY: ADMIN };
  replicas = await Promise.all(
    [0, 1, 2].map(async () => {
      const db = await openDb({ databaseUrl: pg.url, poolSize: 4 });
      const config = loadConfig({ config: configPath, grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0' }, env);
      const app = await startApp({
        config,
        db,
        env,
        log: createLogger('error', () => undefined),
        limiter: { now: () => FROZEN, keyPrefix },
      });
      return { app, db, clients: grpcClients(`127.0.0.1:${app.grpcPort}`) };
    }),
  );
}, 120_000);

afterAll(async () => {
  for (const r of replicas) r.clients.close();
  await Promise.all(replicas.map((r) => r.app.close(1000)));
  await Promise.all(replicas.map((r) => r.db.close()));
  await pg?.drop();
  await openai.stop();
});

type Outcome =
  | { ok: true }
  | { ok: false; code: number; errorInfo?: ErrorInfo | undefined; quota?: QuotaFailure | undefined; retry?: RetryInfo | undefined };

function chatOnce(c: Clients, i: number, key = KEY): Promise<Outcome> {
  return new Promise((resolve) => {
    const stream = c.router.Chat(
      { model: 'oai/metered', messages: [userMessage(`hello ${i}`)], options: { max_output_tokens: 5 }, request_id: `r${i}` },
      bearer(key),
    ) as grpc.ClientReadableStream<Any>;
    let finish = '';
    stream.on('data', (m: Any) => {
      if (m.event === 'finish') finish = m.finish.reason;
    });
    stream.on('error', (err: grpc.ServiceError) => resolve({ ok: false, code: err.code, ...statusDetails(err) }));
    stream.on('end', () => resolve(finish === 'FINISH_REASON_STOP' ? { ok: true } : { ok: false, code: -1 }));
  });
}

function statusDetails(err: grpc.ServiceError) {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  const out: { errorInfo?: ErrorInfo; quota?: QuotaFailure; retry?: RetryInfo } = {};
  if (!raw) return out;
  for (const any of fromBinary(StatusSchema, raw as Buffer).details) {
    if (anyIs(any, ErrorInfoSchema)) out.errorInfo = anyUnpack(any, ErrorInfoSchema);
    if (anyIs(any, QuotaFailureSchema)) out.quota = anyUnpack(any, QuotaFailureSchema);
    if (anyIs(any, RetryInfoSchema)) out.retry = anyUnpack(any, RetryInfoSchema);
  }
  return out;
}

describe('a tenant rate limit across three replicas', () => {
  it(`admits exactly ${N} of ${CALLS} concurrent Chats, and refuses the rest naming the limit`, async () => {
    const before = openai.requests.length;
    const outcomes = await Promise.all(Array.from({ length: CALLS }, (_, i) => chatOnce(replicas[i % 3]!.clients, i)));
    const served = outcomes.filter((o) => o.ok);
    const refused = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
    expect(served).toHaveLength(N);
    expect(refused).toHaveLength(CALLS - N);
    // Refused before any upstream call: the upstream saw exactly the admitted calls.
    expect(openai.requests.length - before).toBe(N);
    // (A limit counted per replica would have served up to 3N.)
    for (const r of refused) {
      expect(r.code).toBe(8); // RESOURCE_EXHAUSTED
      expect(r.errorInfo?.reason).toBe('RATE_LIMITED');
      expect(r.errorInfo?.metadata).toMatchObject({
        limit_id: 'config:acme:tenant',
        dimension: 'requests_per_minute',
        limit: String(N),
        tenant: 'acme',
      });
      expect(r.quota?.violations[0]?.subject).toBe('rate_limit:config:acme:tenant:requests_per_minute');
      const delay = r.retry?.retryDelay;
      expect(delay).toBeDefined();
      expect(Number(delay!.seconds) * 1000 + delay!.nanos / 1e6).toBeGreaterThan(0);
    }
  });
});

describe('rate limits through AdminService', () => {
  const inForce = (id: string) => replicas.every((r) => r.app.state.limits().all.some((l) => l.id === id));

  it('a limit created on one replica holds on all of them, exactly; config limits are read-only', async () => {
    const admin = replicas[0]!.clients.admin;
    const created = await call(
      admin,
      'CreateRateLimit',
      { rate_limit: { scope: 'RATE_LIMIT_SCOPE_TENANT', tenant: 'beta', requests_per_minute: 3 } },
      bearer(ADMIN),
    );
    const id: string = created.rate_limit.id;
    expect(created.rate_limit).toMatchObject({ tenant: 'beta', requests_per_minute: 3, source: 'admin' });
    // The other replicas learn of it by NOTIFY.
    await expect.poll(() => inForce(id)).toBe(true);

    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => chatOnce(replicas[i % 3]!.clients, 1000 + i, BETA_KEY)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(3);
    const refused = outcomes.find((o) => !o.ok) as Extract<Outcome, { ok: false }>;
    expect(refused.errorInfo?.metadata.limit_id).toBe(id);

    const listed = await call(replicas[1]!.clients.admin, 'ListRateLimits', {}, bearer(ADMIN));
    expect(listed.rate_limits.map((l: Any) => [l.id, l.source])).toEqual(
      expect.arrayContaining([
        ['config:acme:tenant', 'config'],
        [id, 'admin'],
      ]),
    );
    const err = await callError(
      admin,
      'UpdateRateLimit',
      { rate_limit: { id: 'config:acme:tenant', scope: 'RATE_LIMIT_SCOPE_TENANT', tenant: 'acme', requests_per_minute: 1 } },
      bearer(ADMIN),
    );
    expect(err.code).toBe(9); // FAILED_PRECONDITION
    expect(details(err).errorInfo?.reason).toBe('RATE_LIMIT_FROM_CONFIG');
    const bad = await callError(
      admin,
      'CreateRateLimit',
      { rate_limit: { scope: 'RATE_LIMIT_SCOPE_MODEL', tenant: 'beta' } },
      bearer(ADMIN),
    );
    expect(bad.code).toBe(3); // INVALID_ARGUMENT
    expect(details(bad).badRequest?.fieldViolations.map((v) => v.field)).toEqual(
      expect.arrayContaining(['rate_limit.model', 'rate_limit.requests_per_minute']),
    );

    await call(admin, 'DeleteRateLimit', { id }, bearer(ADMIN));
    await expect.poll(() => replicas.some((r) => r.app.state.limits().all.some((l) => l.id === id))).toBe(false);
    expect((await chatOnce(replicas[2]!.clients, 2000, BETA_KEY)).ok).toBe(true);
  });
});
