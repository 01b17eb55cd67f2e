// provider_options_json can add fields to the upstream body but never change what routing,
// policy and budgets decided. The probe that found the hole: a call routed to an allowed model
// with max_output_tokens 1 carried {"model": <a denied model>, "max_tokens": 99999}; the
// upstream served the denied model and the tenant spent 12× its budget. Fake OpenAI upstream
// (real wire format), grpc-js client with the .proto loaded independently.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiFake } from '../fakes/openai.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { ADMIN_KEY, bearer, call, callError, grpcClients, userMessage, violatedFields, type Any, type Clients } from './fixtures.js';

const KEY = 'sy_provider_options_acme_key_0123456789';
const NARROW = 'sy_provider_options_narrow_key_0123456789';
const openai = new OpenAiFake();
let server: TestServer;
let c: Clients;

/** Prices: 1 pico-USD per input token, 1,000,000 per output token. */
const OUTPUT_PRICE = 1_000_000n;
/** Room for one call's reservation (input estimate + 1 output token) and little more. */
const BUDGET = 2_000_000n;

function chat(req: object, key: string): Promise<Any[]> {
  const stream = c.router.Chat(req, bearer(key)) as grpc.ClientReadableStream<Any>;
  return new Promise<Any[]>((resolve, reject) => {
    const out: Any[] = [];
    stream.on('data', (m: Any) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}
const chatError = (req: object, key: string) =>
  chat(req, key).then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (err: grpc.ServiceError) => err,
  );
const adm = (method: string, req: object = {}): Promise<Any> => call(c.admin, method, req, bearer(ADMIN_KEY));
const spent = async (tenant: string) => {
  const { budgets } = await adm('ListBudgets', { tenant });
  return BigInt(budgets[0].spent) + BigInt(budgets[0].reserved);
};
const ask = (providerOptions: object, maxOutputTokens = 1) => ({
  model: 'oai/allowed',
  messages: [userMessage('hi')],
  options: { max_output_tokens: maxOutputTokens },
  provider_options_json: JSON.stringify(providerOptions),
});

beforeAll(async () => {
  const url = await openai.start();
  openai.script('e2e-allowed', openai.render({ type: 'text', text: 'ok', usage: { inputTokens: 3, outputTokens: 1 } }));
  // What the denied model would have answered: 12 output tokens on a 1-token reservation.
  openai.script('e2e-denied', openai.render({ type: 'text', text: 'a long answer', usage: { inputTokens: 3, outputTokens: 12 } }));
  server = await startTestServer({
    yaml: `
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
  - { id: oai/allowed, provider: oai, upstream_model: e2e-allowed, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming, tools], pricing: { input: 1, output: ${OUTPUT_PRICE} } }
  - { id: oai/denied, provider: oai, upstream_model: e2e-denied, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: 1, output: ${OUTPUT_PRICE} } }
policy:
  allowed_provider_options: { "*": [user, metadata, logit_bias, parallel_tool_calls] }
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }], policy: { denied_models: [oai/denied] } }
  - { id: narrow, keys: [{ key_env: NARROW_KEY }], policy: { allowed_provider_options: { oai: [user] } } }
budgets:
  - { tenant: acme, scope: tenant, period: total, limit: ${BUDGET} }
`,
    env: { OAI_KEY: 'sk-test', ACME_KEY: KEY, NARROW_KEY: NARROW, SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
  });
  c = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  c?.close();
  await server?.stop();
  await openai.stop();
});

describe('provider_options_json cannot override what Switchyard decided', () => {
  it('the 12× overspend probe is refused before any upstream call, and the budget is untouched', async () => {
    const before = openai.requests.length;
    const err = await chatError(ask({ model: 'e2e-denied', max_tokens: 99999 }), KEY);
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(err).sort()).toEqual(['provider_options_json.max_tokens', 'provider_options_json.model']);
    expect(err.details).toContain('provider_options_json.model');
    expect(openai.requests.length).toBe(before);
    expect(await spent('acme')).toBe(0n);
  });

  it('every owned key, in any spelling, is refused; nothing reaches the upstream', async () => {
    const before = openai.requests.length;
    const owned: Array<[object, string]> = [
      [{ Model: 'e2e-denied' }, 'Model'],
      [{ MAX_TOKENS: 99999 }, 'MAX_TOKENS'],
      [{ maxCompletionTokens: 99999 }, 'maxCompletionTokens'],
      [{ stream: false }, 'stream'],
      [{ stream_options: { include_usage: false } }, 'stream_options'],
      [{ messages: [] }, 'messages'],
      [{ n: 12 }, 'n'],
      [{ service_tier: 'priority' }, 'service_tier'],
    ];
    for (const [opts, field] of owned) {
      const err = await chatError(ask(opts), KEY);
      expect(err.code, field).toBe(grpc.status.INVALID_ARGUMENT);
      expect(violatedFields(err), field).toEqual([`provider_options_json.${field}`]);
    }
    // tools and tool_choice are owned when the request has tools.
    const withTools = {
      ...ask({ tools: [], tool_choice: 'none' }),
      tools: [{ name: 'lookup', description: 'd', parameters_json_schema: '{"type":"object"}' }],
    };
    const err = await chatError(withTools, KEY);
    expect(violatedFields(err).sort()).toEqual(['provider_options_json.tool_choice', 'provider_options_json.tools']);
    expect(openai.requests.length).toBe(before);
    expect(await spent('acme')).toBe(0n);
  });

  it('allowed keys reach the upstream beside the routed model and token limit; the spend stays within the budget', async () => {
    const evs = await chat(ask({ user: 'u-42', metadata: { run: 'r1' } }), KEY);
    expect(evs.at(-1).finish.reason).toBe('FINISH_REASON_STOP');
    const body = openai.requests.at(-1)!.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'e2e-allowed', user: 'u-42', metadata: { run: 'r1' } });
    expect(body.max_completion_tokens ?? body.max_tokens).toBe(1);
    const total = await spent('acme');
    expect(total).toBeGreaterThan(0n);
    expect(total).toBeLessThanOrEqual(BUDGET);

    // The decision records which keys were sent (never their values).
    const route = evs.find((e) => e.route)!.route;
    const { decision } = await call(c.router, 'GetDecision', { decision_id: route.decision_id }, bearer(KEY));
    const outcome = JSON.parse(decision.outcome_json);
    expect(outcome.providerOptionKeys).toEqual(['user', 'metadata']);
    expect(decision.outcome_json).not.toContain('u-42');
  });

  it("a tenant policy narrows the platform's allowed_provider_options", async () => {
    const err = await chatError(ask({ metadata: { run: 'r1' } }), NARROW);
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(err)).toEqual(['provider_options_json.metadata']);
    expect(err.details).toContain('allowed_provider_options');
    // The platform's list applies to everyone: a key outside it is refused for acme too.
    const outside = await chatError(ask({ temperature_override: 1 }), KEY);
    expect(violatedFields(outside)).toEqual(['provider_options_json.temperature_override']);
    const evs = await chat(ask({ user: 'u-7' }), NARROW);
    expect(evs.at(-1).finish.reason).toBe('FINISH_REASON_STOP');
    expect((openai.requests.at(-1)!.body as Record<string, unknown>).user).toBe('u-7');
  });

  it('AdminService: a policy may not widen the platform list nor allow an owned key; a valid one round-trips', async () => {
    const widen = await callError(
      c.admin,
      'UpdateTenantPolicy',
      {
        tenant: 'narrow',
        policy: { allowed_provider_options: { oai: { keys: ['user', 'seed'] } } },
      },
      bearer(ADMIN_KEY),
    );
    expect(widen.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(widen)).toEqual(['policy.allowed_provider_options.oai[1]']);
    const owned = await callError(
      c.admin,
      'UpdatePlatformPolicy',
      {
        policy: { allowed_provider_options: { '*': { keys: ['user', 'max_tokens'] } } },
      },
      bearer(ADMIN_KEY),
    );
    expect(owned.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(owned)).toEqual(['policy.allowed_provider_options.*[1]']);

    const { policy } = await adm('UpdateTenantPolicy', {
      tenant: 'narrow',
      policy: { allowed_provider_options: { oai: { keys: ['user', 'metadata'] } } },
    });
    // Stored in a canonical order (an unchanged config seeds no new version).
    expect(policy.allowed_provider_options).toEqual({ oai: { keys: ['metadata', 'user'] } });
    const read = await adm('GetTenantPolicy', { tenant: 'narrow' });
    expect(read.policy.allowed_provider_options).toEqual({ oai: { keys: ['metadata', 'user'] } });
    const evs = await chat(ask({ metadata: { run: 'r2' } }), NARROW);
    expect(evs.at(-1).finish.reason).toBe('FINISH_REASON_STOP');
  });
});
