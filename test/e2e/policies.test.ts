// Policies end to end: platform and tenant policies through AdminService on one replica, a
// second replica on the same database seeing each change within a second (NOTIFY), a widening
// tenant policy rejected naming the rule, a narrowing one changing only that tenant's plans,
// privacy labels as routing inputs, and what-if replay under another policy version.
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { type Db } from '../../src/store/db.js';
import { openDb } from '../../src/store/open.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import {
  ACME_KEY,
  ADMIN_KEY,
  bearer,
  call,
  callError,
  CONFIG_YAML,
  details,
  grpcClients,
  serverEnv,
  userMessage,
  violatedFields,
  type Any,
  type Clients,
} from './fixtures.js';

const GLOBEX_KEY = 'sy_globex_e2e_tenant_key_0123456789';
const YAML = CONFIG_YAML.replace('tenants:\n', 'tenants:\n  - { id: globex, keys: [{ key_env: GLOBEX_KEY }] }\n');
const env = () => serverEnv({ GLOBEX_KEY });

let a: TestServer;
let bDb: Db;
let b: App;
let ca: Clients;
let cb: Clients;

beforeAll(async () => {
  a = await startTestServer({ yaml: YAML, env: env() });
  const path = join(mkdtempSync(join(tmpdir(), 'sy-policy-')), 'switchyard.yaml');
  writeFileSync(path, YAML);
  bDb = await openDb({ databaseUrl: a.pg.url });
  b = await startApp({
    config: loadConfig({ config: path, grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0' }, env()),
    db: bDb,
    log: silentLogger,
    env: env(),
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

const admin = (method: string, req: object = {}) => call(ca.admin, method, req, bearer(ADMIN_KEY));
const adminErr = (method: string, req: object) => callError(ca.admin, method, req, bearer(ADMIN_KEY));
const route = (c: Clients, key: string, req: object = {}) =>
  call(c.router, 'Route', { model: 'thrifty', messages: [userMessage('hello')], max_output_tokens: 100, ...req }, bearer(key));
const providersOf = (r: Any): string[] => [...new Set<string>(r.candidates.map((x: Any) => x.provider))].sort();

/** Polls until `fn` passes; returns how long it took. */
async function within(ms: number, fn: () => Promise<void>): Promise<number> {
  const start = Date.now();
  for (;;) {
    try {
      await fn();
      return Date.now() - start;
    } catch (err) {
      if (Date.now() - start > ms) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('policies', () => {
  let before: Any;

  it('the platform policy: update, read back, and every replica plans under it within a second', async () => {
    before = await route(ca, ACME_KEY);
    expect(before.policy_version).toBe('platform:0');
    expect(providersOf(before)).toEqual(['local-llm', 'openai']);

    const res = await admin('UpdatePlatformPolicy', {
      policy: { allowed_providers: ['openai', 'local-llm', 'anthropic'], max_output_tokens: '4096' },
    });
    expect(res.policy).toMatchObject({ version: '1', allowed_providers: ['openai', 'local-llm', 'anthropic'], max_output_tokens: '4096' });
    expect((await admin('GetPlatformPolicy')).policy.version).toBe('1');
    const took = await within(1000, async () => expect((await route(cb, ACME_KEY)).policy_version).toBe('platform:1'));
    expect(took).toBeLessThan(1000);
  });

  it('a tenant policy that widens the platform policy is INVALID_ARGUMENT naming each rule', async () => {
    const err = await adminErr('UpdateTenantPolicy', {
      tenant: 'acme',
      policy: { allowed_providers: ['openai', 'gemini'], max_output_tokens: '8192' },
    });
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(err)).toEqual(['policy.allowed_providers[1]', 'policy.max_output_tokens']);
    expect(details(err).errorInfo?.reason).toBe('POLICY_WIDENS_PLATFORM');
    expect(err.details).toMatch(/"gemini" widens the platform policy/);
    expect((await adminErr('UpdateTenantPolicy', { tenant: 'nobody', policy: {} })).code).toBe(grpc.status.NOT_FOUND);
    expect(violatedFields(await adminErr('UpdateTenantPolicy', { tenant: 'acme', policy: { allowed_models: ['open*ai'] } }))).toEqual([
      'policy.allowed_models[0]',
    ]);
  });

  let narrowed: Any;

  it("a narrowing tenant policy changes that tenant's plans only, on the other replica within a second", async () => {
    const res = await admin('UpdateTenantPolicy', { tenant: 'acme', policy: { allowed_providers: ['local-llm'] } });
    expect(res.policy.version).toBe('1');
    const took = await within(1000, async () => {
      narrowed = await route(cb, ACME_KEY);
      expect(narrowed.policy_version).toBe('platform:1+tenant:acme:1');
    });
    expect(took).toBeLessThan(1000);
    expect(providersOf(narrowed)).toEqual(['local-llm']);
    const openai = narrowed.excluded.find((e: Any) => e.provider === 'openai');
    expect(openai).toMatchObject({ reason: 'EXCLUSION_REASON_PROVIDER_NOT_ALLOWED' });
    expect(openai.detail).toMatch(/allowed_providers of the tenant "acme" policy v1/);

    const other = await route(cb, GLOBEX_KEY);
    expect(other.policy_version).toBe('platform:1');
    expect(providersOf(other)).toEqual(['local-llm', 'openai']);
  });

  it('what-if: a stored decision replayed under another policy version shows the difference', async () => {
    // The decision made before any policy, replayed under the tenant's narrowing.
    const whatIf = await call(
      ca.router,
      'GetDecision',
      { decision_id: before.decision_id, replay_policy_version: 'platform:1+tenant:acme:1' },
      bearer(ACME_KEY),
    );
    expect(whatIf.replay.identical).toBe(false);
    expect(whatIf.replay.policy_version).toBe('platform:1+tenant:acme:1');
    const diff = whatIf.replay.differences.join('\n');
    expect(diff).toMatch(/policy version: platform:0 → platform:1\+tenant:acme:1/);
    expect(diff).toMatch(/candidates: \[.*openai.*\] → \[local-llm\/local-llm\/llama3-8b[^,]*\]/);
    expect(diff).toMatch(/openai\/openai\/gpt-4o:provider_not_allowed/);

    // The same decision under the version it was made with: identical.
    const same = await call(
      ca.router,
      'GetDecision',
      { decision_id: before.decision_id, replay_policy_version: 'platform:0' },
      bearer(ACME_KEY),
    );
    expect(same.replay).toMatchObject({ identical: true, policy_version: 'platform:0' });

    const bad = await callError(
      ca.router,
      'GetDecision',
      { decision_id: before.decision_id, replay_policy_version: 'platform:1+tenant:globex:1' },
      bearer(ACME_KEY),
    );
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(bad)).toEqual(['replay_policy_version']);
    const missing = await callError(
      ca.router,
      'GetDecision',
      { decision_id: before.decision_id, replay_policy_version: 'platform:42' },
      bearer(ACME_KEY),
    );
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
  });

  it('privacy labels are routing inputs', async () => {
    const local = await route(ca, GLOBEX_KEY, { context: { labels: { local_required: 'true' } } });
    expect(providersOf(local)).toEqual(['local-llm']);
    expect(local.excluded.find((e: Any) => e.provider === 'openai')).toMatchObject({ reason: 'EXCLUSION_REASON_SENSITIVITY' });
    const restricted = await route(ca, GLOBEX_KEY, { context: { labels: { sensitivity: 'restricted' } } });
    expect(providersOf(restricted)).toEqual(['local-llm']);
    const bad = await callError(
      ca.router,
      'Route',
      { model: 'thrifty', context: { labels: { sensitivity: 'secret' } } },
      bearer(GLOBEX_KEY),
    );
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(bad)).toEqual(['context.labels[sensitivity]']);
  });

  it('versions are listed newest first, paged; delete appends an empty version and the platform applies alone', async () => {
    await admin('UpdatePlatformPolicy', { policy: { allowed_providers: ['openai', 'local-llm'], max_output_tokens: '4096' } });
    const page1 = await admin('ListPolicyVersions', { page_size: 1 });
    expect(page1.policies.map((p: Any) => p.version)).toEqual(['2']);
    const page2 = await admin('ListPolicyVersions', { page_size: 1, page_token: page1.next_page_token });
    expect(page2.policies.map((p: Any) => p.version)).toEqual(['1']);
    expect(page2.next_page_token).toBe('');

    await admin('DeleteTenantPolicy', { tenant: 'acme' });
    expect((await adminErr('DeleteTenantPolicy', { tenant: 'acme' })).code).toBe(grpc.status.NOT_FOUND);
    const t = await admin('GetTenantPolicy', { tenant: 'acme' });
    expect(t.policy).toMatchObject({ version: '2', allowed_providers: [] });
    expect((await admin('GetTenantPolicy', { tenant: 'acme', version: '1' })).policy.allowed_providers).toEqual(['local-llm']);
    expect((await admin('ListPolicyVersions', { tenant: 'acme' })).policies.map((p: Any) => p.version)).toEqual(['2', '1']);
    await within(1000, async () => {
      const r = await route(cb, ACME_KEY);
      expect(r.policy_version).toBe('platform:2');
      expect(providersOf(r)).toEqual(['local-llm', 'openai']);
    });
  });

  it('a tenant key cannot manage policies', async () => {
    const err = await callError(ca.admin, 'GetPlatformPolicy', {}, bearer(ACME_KEY));
    expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
  });
});
