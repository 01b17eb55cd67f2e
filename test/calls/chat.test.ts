// The Chat and Route use cases called in-process, with no port and no database: an in-memory
// adapter, a real catalog and snapshot, the real executor, planner and decision records. Then
// the same RouterService the ports serve, through connect's in-memory router transport.
import { createClient, createRouterTransport } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { RouterService } from '../../gen/switchyard/v1/router_pb.js';
import { buildSnapshot } from '../../src/app/snapshot.js';
import type { Caller } from '../../src/calls/caller.js';
import { runChat, type ChatCallEvent } from '../../src/calls/chat.js';
import type { ChatIntent } from '../../src/calls/chat-intent.js';
import type { CallDeps } from '../../src/calls/deps.js';
import { NO_CONTEXT } from '../../src/calls/plan-call.js';
import { route } from '../../src/calls/route.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { Secret } from '../../src/config/secret.js';
import { SwitchyardError } from '../../src/errors.js';
import { UpstreamError } from '../../src/providers/errors.js';
import { OPENAI_OWNED } from '../../src/providers/options.js';
import type { ChatCall, ChatEvent, ProviderAdapter } from '../../src/providers/types.js';
import { BreakerRegistry } from '../../src/routing/breaker.js';
import { DEFAULT_RETRY } from '../../src/routing/executor.js';
import { NO_REQUIREMENTS } from '../../src/routing/types.js';
import { Authenticator } from '../../src/server/auth.js';
import { guard } from '../../src/server/guard.js';
import { routerService } from '../../src/server/router-service.js';
import type { DecisionRow } from '../../src/store/repos/decisions.js';
import { model } from '../helpers/models.js';

const CALLER: Caller = { tenant: 'acme', admin: false, keyId: 'k1' };
const USAGE = { inputTokens: 7, outputTokens: 3, cachedInputTokens: 0, reasoningTokens: 0 };

/** An adapter playing one script per call; an UpstreamError entry is thrown. */
function scripted(...scripts: Array<Array<ChatEvent[] | UpstreamError>>): ProviderAdapter & { calls: ChatCall[] } {
  const calls: ChatCall[] = [];
  return {
    calls,
    ownedOptions: OPENAI_OWNED,
    async *chatBatches(call) {
      calls.push(call);
      for (const step of scripts[calls.length - 1] ?? []) {
        if (step instanceof UpstreamError) throw step;
        yield step;
      }
    },
    embed: async () => ({ vectors: [], usage: { inputTokens: 0 } }),
    listModels: async () => [],
  };
}

function depsFor(adapters: Record<string, ProviderAdapter>): CallDeps & { records: DecisionRow[] } {
  const catalog = new Catalog(
    [
      model('one/m', {
        upstreamModel: 'm-one',
        pricing: { input: 1_000_000n, output: 2_000_000n, cachedInput: 0n, cacheWriteInput: 0n, reasoning: 0n, tiers: [] },
      }),
      model('two/m', { upstreamModel: 'm-two' }),
    ],
    { baseVersion: 'test-catalog' },
  );
  const providers = Object.keys(adapters).map((id) => ({
    id,
    kind: 'openai' as const,
    apiKey: new Secret('sk-test'),
    regions: [],
    local: false,
    disabled: false,
    source: 'config' as const,
  }));
  const snap = buildSnapshot({
    catalog,
    providers,
    aliases: [
      {
        name: 'pair',
        strategy: 'priority',
        targets: [
          { model: 'one/m', weight: 1 },
          { model: 'two/m', weight: 1 },
        ],
      },
    ],
    policyVersion: 'platform:0',
  });
  const records: DecisionRow[] = [];
  const breakers = new BreakerRegistry();
  return {
    records,
    snapshot: () => snap,
    unsupportedParameters: 'warn',
    executor: {
      adapterFor: (id) => adapters[id],
      breakers,
      retry: { ...DEFAULT_RETRY, maxAttemptsPerCandidate: 1 },
      random: () => 0,
      now: Date.now,
      sleep: async () => undefined,
    },
    decisions: { record: (r) => void records.push(r), get: async (id) => records.find((r) => r.id === id) ?? null },
    money: undefined,
    policyAt: async () => {
      throw new Error('not used');
    },
  };
}

const intent = (over: Partial<ChatIntent['body']> = {}, model = 'pair'): ChatIntent => ({
  model,
  body: { messages: [{ role: 'user', content: 'hi', parts: [], toolCalls: [] }], options: {}, tools: [], setParameters: [], ...over },
  requirements: NO_REQUIREMENTS,
  context: { ...NO_CONTEXT, requestId: 'r-1', workerId: 'w-1' },
});

async function collect(stream: AsyncIterable<ChatCallEvent>): Promise<ChatCallEvent[]> {
  const out: ChatCallEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}
const nextTurn = () => new Promise((r) => setImmediate(r));
const control = () => ({ signal: new AbortController().signal });

describe('runChat', () => {
  it('streams the route with its decision id, the text, the priced usage and the finish; records the decision', async () => {
    const one = scripted([
      [
        { type: 'delta', text: 'Hel' },
        { type: 'delta', text: 'lo' },
      ],
      [
        { type: 'usage', usage: USAGE },
        { type: 'finish', reason: 'stop' },
      ],
    ]);
    const deps = depsFor({ one, two: scripted() });
    const events = await collect(runChat(intent(), CALLER, deps, control()));
    const routeEv = events[0] as Extract<ChatCallEvent, { type: 'route' }>;
    expect(routeEv).toMatchObject({ type: 'route', provider: 'one', model: 'one/m', upstreamModel: 'm-one', attempt: 1 });
    expect(
      events
        .filter((e) => e.type === 'delta')
        .map((e) => (e as { text: string }).text)
        .join(''),
    ).toBe('Hello');
    // 7 input tokens at 1,000,000 and 3 output at 2,000,000 pico-USD.
    expect(events.at(-2)).toEqual({ type: 'usage', usage: USAGE, cost: 13_000_000n, estimated: false });
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'stop' });
    expect(one.calls[0]!.model).toBe('m-one');

    await nextTurn();
    const record = deps.records.find((r) => r.id === routeEv.decisionId)!;
    expect(record).toMatchObject({
      rpc: 'Chat',
      tenantId: 'acme',
      policyVersion: 'platform:0',
      catalogVersion: expect.stringContaining('test-catalog'),
    });
    expect(record.outcome).toMatchObject({
      finish: { reason: 'stop' },
      cost: '13000000',
      attempts: [{ attempt: 1, provider: 'one', model: 'one/m' }],
    });
    expect(record.inputs).toMatchObject({ context: { requestId: 'r-1', workerId: 'w-1' } });
  });

  it('fails over to the next candidate before the first token, reporting the failed attempt', async () => {
    const one = scripted([new UpstreamError('server_error', 'boom', { status: 500, provider: 'one' })]);
    const two = scripted([
      [
        { type: 'delta', text: 'ok' },
        { type: 'finish', reason: 'stop' },
      ],
    ]);
    const events = await collect(runChat(intent(), CALLER, depsFor({ one, two }), control()));
    expect(events.map((e) => e.type)).toEqual(['route', 'attempt_failed', 'route', 'delta', 'usage', 'finish']);
    // No usage reported: estimated from the streamed characters, flagged.
    expect(events[4]).toMatchObject({ type: 'usage', estimated: true });
    expect(events[2]).toMatchObject({ provider: 'two', attempt: 2 });
  });

  it('refuses provider options that set what Switchyard owns before any upstream call, and records the refusal', async () => {
    const one = scripted();
    const deps = depsFor({ one, two: scripted() });
    const err = await collect(runChat(intent({ providerOptions: { model: 'other', user: 'u' } }), CALLER, deps, control())).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SwitchyardError);
    expect((err as SwitchyardError).violations.map((v) => v.field)).toEqual(['provider_options_json.model']);
    expect(one.calls).toHaveLength(0);
    expect(deps.records[0]!.outcome).toMatchObject({ refused: expect.stringContaining('provider_options_json.model') });
  });
});

describe('route', () => {
  it('plans and records without executing', () => {
    const one = scripted();
    const deps = depsFor({ one, two: scripted() });
    const r = route(
      { model: 'pair', kind: 'chat', input: { messages: [] }, maxOutputTokens: 10, requirements: NO_REQUIREMENTS, context: NO_CONTEXT },
      CALLER,
      deps,
    );
    expect(r.plan.candidates.map((c) => c.model.id)).toEqual(['one/m', 'two/m']);
    expect(deps.records.map((d) => d.id)).toEqual([r.decisionId]);
    expect(one.calls).toHaveLength(0);
  });
});

describe('RouterService in-process (connect router transport, no port)', () => {
  it('streams a Chat through the same handlers both ports serve', async () => {
    const deps = depsFor({
      one: scripted([
        [
          { type: 'delta', text: 'hi there' },
          { type: 'usage', usage: USAGE },
          { type: 'finish', reason: 'stop' },
        ],
      ]),
      two: scripted(),
    });
    const auth = new Authenticator({ devMode: true, staticKeys: new Map(), lookup: async () => undefined });
    const impl = guard(RouterService, routerService(deps, { maxMessageBytes: 1 << 20 }), { auth });
    const client = createClient(
      RouterService,
      createRouterTransport(({ service }) => service(RouterService, impl)),
    );
    const out: string[] = [];
    for await (const m of client.chat({ model: 'pair', messages: [{ role: 2, content: 'hi' }] })) out.push(m.event.case ?? '');
    expect(out).toEqual(['route', 'delta', 'usage', 'finish']);

    const bad = await collect(
      (async function* () {
        for await (const m of client.chat({ model: 'pair', messages: [] })) yield m as never;
      })(),
    ).catch((e: { rawMessage?: string }) => e);
    expect(String((bad as { rawMessage?: string }).rawMessage)).toContain('messages');
  });
});
