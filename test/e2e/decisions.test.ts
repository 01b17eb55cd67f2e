// Decisions end to end: every Route is stored (batched, off the request path) with its inputs
// and plan, readable with GetDecision by its tenant (and admins, not other tenants), and
// replayable to the identical plan; a later change to the routing state shows up as a
// difference. Real server, real Postgres, grpc-js with the .proto loaded independently.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLUSH_INTERVAL_MS } from '../../src/ledger/decision-writer.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import {
  ACME_KEY,
  ADMIN_KEY,
  bearer,
  call,
  callError,
  CONFIG_YAML,
  grpcClients,
  serverEnv,
  userMessage,
  type Clients,
} from './fixtures.js';

const OTHER_KEY = 'sy_other_tenant_key_0123456789';
let server: TestServer;
let c: Clients;

beforeAll(async () => {
  const yaml = CONFIG_YAML.replace('tenants:\n', 'tenants:\n  - { id: other, keys: [{ key_env: OTHER_KEY }] }\n');
  server = await startTestServer({ yaml, env: serverEnv({ OTHER_KEY }) });
  c = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  c?.close();
  await server?.stop();
});

const route = (req: object, key = ACME_KEY) => call(c.router, 'Route', { messages: [userMessage('hello')], ...req }, bearer(key));

describe('GetDecision', () => {
  it('reads back a Route decision with its inputs and plan, even before the batch is flushed', async () => {
    const r = await route({
      model: 'smart',
      max_output_tokens: 100,
      request_id: 'req-1',
      context: { worker_id: 'w1', task_type: 'summarize' },
    });
    const d = (await call(c.router, 'GetDecision', { decision_id: r.decision_id }, bearer(ACME_KEY))).decision;
    expect(d).toMatchObject({
      id: r.decision_id,
      tenant: 'acme',
      rpc: 'Route',
      policy_version: r.policy_version,
      catalog_version: r.catalog_version,
    });
    expect(d.candidates.map((x: { model: string }) => x.model)).toEqual(r.candidates.map((x: { model: string }) => x.model));
    expect(d.excluded.map((x: { reason: string }) => x.reason)).toEqual(r.excluded.map((x: { reason: string }) => x.reason));
    expect(d.estimate).toEqual(r.estimate);
    const inputs = JSON.parse(d.inputs_json);
    expect(inputs.request).toMatchObject({ model: 'smart', maxOutputTokens: 100 });
    expect(inputs.context).toMatchObject({ requestId: 'req-1', workerId: 'w1', taskType: 'summarize' });
  });

  it('stores decisions in Postgres in batches', async () => {
    const r = await route({ model: 'openai/gpt-4o-mini' });
    await new Promise((res) => setTimeout(res, FLUSH_INTERVAL_MS * 3));
    const { rows } = await server.pg.db.query<{ rpc: string; tenant_id: string }>(
      'SELECT rpc, tenant_id FROM decisions WHERE id = $1::uuid',
      [r.decision_id],
    );
    expect(rows).toEqual([{ rpc: 'Route', tenant_id: 'acme' }]);
  });

  it('replays to the identical plan', async () => {
    const r = await route({ model: 'thrifty', max_output_tokens: 50 });
    const res = await call(c.router, 'GetDecision', { decision_id: r.decision_id, replay: true }, bearer(ACME_KEY));
    expect(res.replay).toEqual({ identical: true, differences: [], policy_version: 'platform:0' });
  });

  it('is visible to admins, hidden from other tenants, and checks the id', async () => {
    const r = await route({ model: 'smart' });
    await call(c.router, 'GetDecision', { decision_id: r.decision_id }, bearer(ADMIN_KEY));
    const hidden = await callError(c.router, 'GetDecision', { decision_id: r.decision_id }, bearer(OTHER_KEY));
    expect(hidden.code).toBe(grpc.status.NOT_FOUND);
    const bad = await callError(c.router, 'GetDecision', { decision_id: 'nope' }, bearer(ACME_KEY));
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    const missing = await callError(c.router, 'GetDecision', { decision_id: '00000000-0000-4000-8000-000000000000' }, bearer(ACME_KEY));
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
  });

  it('replay reports what changed after the routing state changed', async () => {
    const r = await route({ model: 'smart' });
    // An admin hides the first choice: the stored plan no longer replays identically.
    await call(c.admin, 'CreateModelOverride', { model_override: { model_id: 'openai/gpt-4o', disabled: true } }, bearer(ADMIN_KEY));
    const res = await call(c.router, 'GetDecision', { decision_id: r.decision_id, replay: true }, bearer(ACME_KEY));
    expect(res.replay.identical).toBe(false);
    expect(res.replay.differences.join('\n')).toMatch(/catalog version: .+ → .+/);
    expect(res.replay.differences.join('\n')).toMatch(/candidates: \[openai\/openai\/gpt-4o/);
  });
});
