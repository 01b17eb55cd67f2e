// Route rules end to end: a request that names no model is routed by the most specific rule
// for its tenant (from the key), worker_id and task_type; rules come from the config file and
// from AdminService, and an admin change applies at once.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  violatedFields,
  type Clients,
} from './fixtures.js';

let server: TestServer;
let c: Clients;

beforeAll(async () => {
  const yaml = `${CONFIG_YAML}routes:\n  - { task_type: summarize, target: thrifty }\n  - { tenant: acme, worker_id: billing, target: openai/gpt-4o }\n`;
  server = await startTestServer({ yaml, env: serverEnv() });
  c = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  c?.close();
  await server?.stop();
});

const route = (context: object, model = '') => call(c.router, 'Route', { model, messages: [userMessage('hi')], context }, bearer(ACME_KEY));

describe('route rules', () => {
  it('a request without a model takes the most specific matching rule', async () => {
    expect((await route({ task_type: 'summarize' })).resolved).toBe('thrifty');
    expect((await route({ worker_id: 'billing', task_type: 'summarize' })).resolved).toBe('openai/gpt-4o');
  });

  it('a named model is kept', async () => {
    expect((await route({ worker_id: 'billing' }, 'openai/gpt-4o-mini')).resolved).toBe('openai/gpt-4o-mini');
  });

  it('no model and no matching rule → INVALID_ARGUMENT naming model', async () => {
    const err = await callError(
      c.router,
      'Route',
      { messages: [userMessage('hi')], context: { task_type: 'translate' } },
      bearer(ACME_KEY),
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(err)).toEqual(['model']);
  });

  it('a rule created through AdminService applies at once', async () => {
    await call(
      c.admin,
      'CreateRouteRule',
      { route_rule: { id: 'translate', task_type: 'translate', target: 'openai/gpt-4o-mini' } },
      bearer(ADMIN_KEY),
    );
    expect((await route({ task_type: 'translate' })).resolved).toBe('openai/gpt-4o-mini');
    await call(c.admin, 'DeleteRouteRule', { id: 'translate' }, bearer(ADMIN_KEY));
    const err = await callError(
      c.router,
      'Route',
      { messages: [userMessage('hi')], context: { task_type: 'translate' } },
      bearer(ACME_KEY),
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('the decision stores what the rule matched on, and replays identically', async () => {
    const r = await route({ worker_id: 'billing' });
    const res = await call(c.router, 'GetDecision', { decision_id: r.decision_id, replay: true }, bearer(ACME_KEY));
    expect(JSON.parse(res.decision.inputs_json).request).toMatchObject({ model: '', tenant: 'acme', workerId: 'billing' });
    expect(res.replay.identical).toBe(true);
  });
});
