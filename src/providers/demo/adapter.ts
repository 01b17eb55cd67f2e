// The demo provider: deterministic replies with no network, for a first run without provider
// keys and for users' CI against Switchyard. Models (./models.ts): demo/echo repeats the last
// user message, demo/tools calls the first tool it is given (then reports the tool's result),
// demo/embed returns hashed vectors. The `demo` provider option (./script.ts) sets the reply,
// latency, token pacing, a tool call or a failure. Usage is counted with the same heuristic the
// planner estimates with (routing/estimate.ts: 4 ASCII characters a token, one per other
// character, 4 per message, 3 for the reply primer), so budgets and the ledger see realistic
// numbers; the catalog prices the models at zero, so every call costs 0.
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { UpstreamError } from '../errors.js';
import type { ChatCall, ChatEvent, ChatMessage, EmbedCall, EmbedResult, OwnedPaths, ProviderAdapter, ProviderEndpoint } from '../types.js';
import { DEMO_EMBED_DIMENSIONS, DEMO_MODELS } from './models.js';
import { scriptFor, type DemoScript } from './script.js';

/** No body is built, but the conversation and the model stay Switchyard's, as on every wire. */
export const DEMO_OWNED: OwnedPaths = { always: ['model', 'messages', 'stream'], tools: [], responseFormat: [], reasoning: [] };

/** Largest vector a call may ask for: far past any real model, short of a memory problem. */
const MAX_DIMENSIONS = 8_192;

/** The planner's heuristic (routing/estimate.ts), repeated here: providers do not import routing. */
export function heuristicTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 0x80) ascii++;
    else other++;
  }
  return other + Math.ceil(ascii / 4);
}

export function inputTokens(messages: readonly ChatMessage[]): number {
  // One count over all the text, as the planner rounds once per request, not per message.
  const texts = messages.flatMap((m) => [
    m.content,
    ...m.parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])),
    m.name ?? '',
    ...m.toolCalls.flatMap((c) => [c.name, c.argumentsJson]),
  ]);
  return 3 + 4 * messages.length + heuristicTokens(texts.join(''));
}

/** A deterministic unit vector from the text: SHA-256 in counter mode, bytes mapped to [-1, 1]. */
export function hashedVector(text: string, dimensions: number): number[] {
  const out: number[] = [];
  for (let block = 0; out.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}:`).update(text).digest();
    for (const byte of digest) {
      if (out.length === dimensions) break;
      out.push(byte / 127.5 - 1);
    }
  }
  const norm = Math.hypot(...out) || 1;
  return out.map((x) => x / norm);
}

/** A wait the caller's abort ends with the signal's reason, as every adapter throws it (providers/http.ts). */
async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    throw signal.aborted ? signal.reason : err;
  }
}

export function createDemoAdapter(endpoint: ProviderEndpoint): ProviderAdapter {
  const provider = endpoint.id;
  const chatModels = new Set(DEMO_MODELS.filter((m) => m.kind === 'chat').map((m) => m.name));
  const embedModels = new Set(DEMO_MODELS.filter((m) => m.kind === 'embedding').map((m) => m.name));

  const failure = (script: DemoScript) =>
    new UpstreamError(script.options.fail!, `${provider}: failure requested by the demo option "fail"`, {
      provider,
      upstreamCode: `demo_${script.options.fail}`,
      // A rate limit names its wait, as real upstreams do; zero keeps retries immediate in CI.
      ...(script.options.fail === 'rate_limited' ? { retryAfterMs: 0 } : {}),
    });

  async function* chatBatches(call: ChatCall): AsyncGenerator<ChatEvent[]> {
    if (!chatModels.has(call.model)) throw new UpstreamError('not_found', `${provider}: no demo chat model "${call.model}"`, { provider });
    const script = scriptFor(call);
    const { latencyMs, tokensPerSecond, fail, failAfterTokens } = script.options;
    if (latencyMs > 0) await sleep(latencyMs, call.signal);
    if (call.signal.aborted) throw call.signal.reason;
    if (fail && failAfterTokens === 0) throw failure(script);
    const gapMs = tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0;
    let text = '';
    for (const [i, piece] of script.pieces.entries()) {
      if (fail && i === failAfterTokens) throw failure(script);
      if (i > 0 && gapMs > 0) await sleep(gapMs, call.signal);
      if (call.signal.aborted) throw call.signal.reason;
      text += piece;
      yield [{ type: 'delta', text: piece }];
    }
    // Asked to fail after more tokens than the reply has: the stream breaks at its end.
    if (fail) throw failure(script);
    if (script.toolCall) {
      // Its own batch: a stream's first content event closes its array (types.ts, chatBatches).
      yield [{ type: 'tool_call', index: 0, id: 'call_demo_0', name: script.toolCall.name, argumentsDelta: script.toolCall.argumentsJson }];
      text = script.toolCall.name + script.toolCall.argumentsJson;
    }
    yield [
      {
        type: 'usage',
        usage: {
          inputTokens: inputTokens(call.messages),
          outputTokens: Math.max(1, heuristicTokens(text)),
          cachedInputTokens: 0,
          reasoningTokens: 0,
        },
      },
      { type: 'finish', reason: script.finish },
    ];
  }

  async function embed(call: EmbedCall): Promise<EmbedResult> {
    if (!embedModels.has(call.model))
      throw new UpstreamError('not_found', `${provider}: no demo embedding model "${call.model}"`, { provider });
    const dimensions = call.dimensions || DEMO_EMBED_DIMENSIONS;
    if (dimensions > MAX_DIMENSIONS)
      throw new UpstreamError('bad_request', `${provider}: dimensions above ${MAX_DIMENSIONS}`, { provider });
    if (call.signal.aborted) throw call.signal.reason;
    return {
      vectors: call.inputs.map((text) => hashedVector(text, dimensions)),
      // As the planner's estimateTextTokens: one rounding over all inputs.
      usage: { inputTokens: heuristicTokens(call.inputs.join('')) },
    };
  }

  return {
    ownedOptions: DEMO_OWNED,
    chatBatches,
    embed,
    listModels: async () => DEMO_MODELS.map((m) => m.name),
  };
}
