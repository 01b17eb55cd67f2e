// What one demo call does, decided up front and deterministically from the request alone: the
// reply text (or tool call), how it is paced, and whether and where it fails. Pure: the adapter
// plays the script. Callers steer it with the provider option `demo` (a key no wire format owns,
// so it reaches every way in: gRPC/Connect `provider_options_json`, an extra field of the
// OpenAI-compatible body):
//   {"demo": {"reply": "fixed text", "latency_ms": 50, "tokens_per_second": 200,
//             "fail": "rate_limited", "fail_after_tokens": 3,
//             "tool_call": {"name": "get_weather", "arguments": {"city": "Paris"}}}}
import { UpstreamError, type UpstreamErrorKind } from '../errors.js';
import { isPlainObject } from '../options.js';
import type { ChatCall, ChatMessage, FinishReason, ToolDef } from '../types.js';

/** Failures a caller may ask for: the kinds real upstreams produce before or during a stream. */
export const DEMO_FAILURES = [
  'rate_limited',
  'overloaded',
  'server_error',
  'timeout',
  'auth',
  'bad_request',
  'context_length_exceeded',
  'content_filtered',
  'stream_interrupted',
] as const satisfies readonly UpstreamErrorKind[];
export type DemoFailure = (typeof DEMO_FAILURES)[number];

/** Longest wait a caller may ask for: enough to exercise deadlines, short of hanging a CI job. */
const MAX_LATENCY_MS = 60_000;
/** Replies to an empty conversation, so the demo always says something. */
export const DEFAULT_REPLY = 'Hello from the Switchyard demo provider.';

export interface DemoOptions {
  reply?: string;
  latencyMs: number;
  /** 0: no pacing, every token at once. */
  tokensPerSecond: number;
  fail?: DemoFailure;
  /** With `fail`: tokens streamed before it (0: the call fails before any output). */
  failAfterTokens: number;
  toolCall?: { name?: string; argumentsJson?: string };
}

export interface DemoScript {
  options: DemoOptions;
  /** Text pieces streamed one per delta (each a word with its leading whitespace). */
  pieces: string[];
  toolCall?: { name: string; argumentsJson: string };
  finish: FinishReason;
}

const bad = (message: string) => new UpstreamError('bad_request', `demo: ${message}`, { provider: 'demo' });

function nonNegative(o: Record<string, unknown>, key: string, max: number): number {
  const v = o[key];
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) throw bad(`${key} must be a number from 0 to ${max}`);
  return v;
}

/** The `demo` provider option, checked: a typo is the caller's bad_request, never ignored. */
export function parseDemoOptions(providerOptions: Record<string, unknown> | undefined): DemoOptions {
  const raw = providerOptions ? Object.entries(providerOptions).find(([k]) => k.toLowerCase() === 'demo')?.[1] : undefined;
  if (raw === undefined) return { latencyMs: 0, tokensPerSecond: 0, failAfterTokens: 0 };
  if (!isPlainObject(raw)) throw bad('provider option "demo" must be an object');
  const known = new Set(['reply', 'latency_ms', 'tokens_per_second', 'fail', 'fail_after_tokens', 'tool_call']);
  const unknown = Object.keys(raw).filter((k) => !known.has(k));
  if (unknown.length > 0) throw bad(`unknown option ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  const out: DemoOptions = {
    latencyMs: nonNegative(raw, 'latency_ms', MAX_LATENCY_MS),
    tokensPerSecond: nonNegative(raw, 'tokens_per_second', 1_000_000),
    failAfterTokens: Math.floor(nonNegative(raw, 'fail_after_tokens', 1_000_000)),
  };
  if (raw.reply !== undefined) {
    if (typeof raw.reply !== 'string') throw bad('reply must be a string');
    out.reply = raw.reply;
  }
  if (raw.fail !== undefined) {
    if (!DEMO_FAILURES.includes(raw.fail as DemoFailure)) throw bad(`fail must be one of ${DEMO_FAILURES.join(', ')}`);
    out.fail = raw.fail as DemoFailure;
  }
  if (raw.tool_call !== undefined) {
    const t = raw.tool_call;
    if (!isPlainObject(t)) throw bad('tool_call must be an object {name?, arguments?}');
    if (t.name !== undefined && typeof t.name !== 'string') throw bad('tool_call.name must be a string');
    if (t.arguments !== undefined && !isPlainObject(t.arguments)) throw bad('tool_call.arguments must be an object');
    out.toolCall = {
      ...(t.name !== undefined ? { name: t.name as string } : {}),
      ...(t.arguments !== undefined ? { argumentsJson: JSON.stringify(t.arguments) } : {}),
    };
  }
  return out;
}

export const messageText = (m: ChatMessage): string =>
  [m.content, ...m.parts.flatMap((p) => (p.type === 'text' ? [p.text] : []))].filter((t) => t !== '').join('\n');

/** Words with their leading whitespace: how the reply streams, one piece per delta. */
export function splitPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** The arguments a tool call carries when the caller gave none: every required string property gets the user's text. */
function defaultArguments(tool: ToolDef | undefined, userText: string): string {
  const props = isPlainObject(tool?.parameters.properties) ? tool.parameters.properties : {};
  const required = Array.isArray(tool?.parameters.required) ? (tool.parameters.required as unknown[]) : [];
  const args: Record<string, unknown> = {};
  for (const name of required) {
    const prop = typeof name === 'string' ? props[name] : undefined;
    if (typeof name === 'string' && isPlainObject(prop) && prop.type === 'string') args[name] = userText;
  }
  return JSON.stringify(args);
}

/** The script of one chat call to demo model `model` ("echo", "tools"). */
export function scriptFor(call: Pick<ChatCall, 'model' | 'messages' | 'options' | 'tools' | 'toolChoice' | 'providerOptions'>): DemoScript {
  const options = parseDemoOptions(call.providerOptions);
  const last = call.messages.at(-1);
  const lastUser = [...call.messages].reverse().find((m) => m.role === 'user');
  const userText = lastUser ? messageText(lastUser) : '';

  const mayCallTool = call.tools.length > 0 && call.toolChoice?.mode !== 'none';
  const wantsTool = options.toolCall !== undefined || (call.model === 'tools' && last?.role !== 'tool');
  if (mayCallTool && wantsTool) {
    const forced = call.toolChoice?.mode === 'function' ? call.toolChoice.name : undefined;
    const name = forced ?? options.toolCall?.name ?? call.tools[0]!.name;
    const tool = call.tools.find((t) => t.name === name);
    if (!tool) throw bad(`tool_call.name "${name}" is not one of the request's tools`);
    return {
      options,
      pieces: [],
      toolCall: { name, argumentsJson: options.toolCall?.argumentsJson ?? defaultArguments(tool, userText) },
      finish: 'tool_calls',
    };
  }

  let text = options.reply ?? (last?.role === 'tool' ? `The tool returned: ${messageText(last)}` : userText || DEFAULT_REPLY);
  let finish: FinishReason = 'stop';
  for (const stop of call.options.stop ?? []) {
    const at = stop === '' ? -1 : text.indexOf(stop);
    if (at >= 0) text = text.slice(0, at);
  }
  // The heuristic's 4 characters a token, the other way round: a limit of N tokens keeps 4N characters.
  const max = call.options.maxOutputTokens;
  if (max !== undefined && max > 0 && text.length > max * 4) {
    text = text.slice(0, max * 4);
    finish = 'length';
  }
  return { options, pieces: splitPieces(text), finish };
}
