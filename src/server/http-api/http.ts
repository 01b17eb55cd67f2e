// Plain-HTTP plumbing shared by the OpenAI- and Anthropic-compatible APIs: the caller (Bearer
// or x-api-key, the same keys, tenants and dev mode as gRPC), the bounded JSON body, the
// Switchyard request headers that fill the routing context, and JSON answers. Each API
// renders errors in its own shape (HttpError's body); nothing here knows either shape.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Caller } from '../../calls/caller.js';
import type { CallDeps } from '../../calls/deps.js';
import { NO_CONTEXT, type CallContext } from '../../calls/plan-call.js';
import { invalidFields, SwitchyardError, type FieldViolation } from '../../errors.js';
import { STRATEGIES, type Requirements, type StrategyName } from '../../routing/types.js';
import type { Authenticator } from '../auth.js';
import type { ErrorLogger } from '../errors.js';
import type { NodeRequest, NodeResponse } from '../http-server.js';
import { BodyError, type HttpError } from './errors.js';

export { BodyError } from './errors.js';

export const DECISION_HEADER = 'x-switchyard-decision-id';

/** The decision a call refused after planning was recorded under (errors.ts withDecisionId); "" if none. */
export function refusedDecisionId(err: unknown): string {
  return err instanceof SwitchyardError ? (err.metadata.decision_id ?? '') : '';
}

/** These APIs have no word for requirements (gRPC's `Requirements`): none are set. */
export const NO_REQUIREMENTS: Requirements = Object.freeze({
  capabilities: [],
  minContextTokens: 0,
  requiredParameters: [],
  allowedProviders: [],
  deniedProviders: [],
  allowedRegions: [],
  maxPricePerMillionTokens: 0n,
  maxLatencyMs: 0,
});

/** What every handler of these APIs is given. */
export interface ApiDeps {
  calls: CallDeps;
  auth: Authenticator;
  maxMessageBytes: number;
  /** The largest request body read. */
  maxBodyBytes: number;
  log?: ErrorLogger;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** `authorization: Bearer <key>` first, else `x-api-key: <key>` (Anthropic-style clients send that). */
export function authenticate(req: NodeRequest, auth: Authenticator): Promise<Caller> {
  const authorization = header(req.headers, 'authorization');
  const apiKey = header(req.headers, 'x-api-key')?.trim();
  if (!authorization && apiKey) return auth.authenticate(`Bearer ${apiKey}`);
  return auth.authenticate(authorization ?? null).catch((err: unknown) => {
    if (err instanceof SwitchyardError && err.reason === 'MISSING_API_KEY') {
      throw new SwitchyardError('unauthenticated', 'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"', {
        reason: 'MISSING_API_KEY',
      });
    }
    throw err;
  });
}

/** Reads the whole body (at most maxBytes) and parses it as JSON; a BodyError (400/413) if not. */
export async function readJson(req: NodeRequest, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new BodyError(413, `the request body is larger than ${maxBytes} bytes`, 'REQUEST_TOO_LARGE');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BodyError(400, `the request body is not valid JSON: ${(err as Error).message}`, 'INVALID_JSON');
  }
}

/** Headers whose value is undefined are not sent. */
export type Headers = Record<string, string | undefined>;

export function sendJson(res: NodeResponse, status: number, body: unknown, headers: Headers = {}): void {
  const text = JSON.stringify(body);
  const out: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) };
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = v;
  (res as ServerResponse).writeHead(status, out);
  res.end(text);
}

export function sendError(res: NodeResponse, err: HttpError, headers: Headers = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, err.status, err.body, { ...headers, 'retry-after': err.retryAfter?.toString() });
}

const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_ID = 128;
const MAX_LABELS = 32;

export interface HeaderContext {
  context: CallContext;
  strategy?: StrategyName | undefined;
}

/**
 * The routing context from request headers (the gRPC `RoutingContext`): `x-switchyard-worker-id`,
 * `x-switchyard-task-type`, `x-switchyard-strategy`, and `x-switchyard-labels` as
 * `key=value` pairs separated by `;` (a label value may hold commas, e.g.
 * `sensitivity=confidential; findings=pii.email,secret.aws`). Bad values are a 400 naming the header.
 */
export function contextFromHeaders(headers: IncomingHttpHeaders): HeaderContext {
  const bad: FieldViolation[] = [];
  const id = (name: string): string => {
    const v = header(headers, name)?.trim() ?? '';
    if (v.length > MAX_ID) bad.push({ field: name, description: `must be at most ${MAX_ID} characters` });
    else if (CONTROL.test(v)) bad.push({ field: name, description: 'must not contain control characters' });
    return v;
  };
  const workerId = id('x-switchyard-worker-id');
  const taskType = id('x-switchyard-task-type');
  const strategyText = id('x-switchyard-strategy').toLowerCase();
  let strategy: StrategyName | undefined;
  if (strategyText !== '') {
    if ((STRATEGIES as readonly string[]).includes(strategyText)) strategy = strategyText as StrategyName;
    else bad.push({ field: 'x-switchyard-strategy', description: `must be one of ${STRATEGIES.join(', ')}` });
  }
  const labels: Record<string, string> = {};
  const raw = header(headers, 'x-switchyard-labels') ?? '';
  for (const pair of raw.split(';')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (key === '' || CONTROL.test(pair)) {
      bad.push({ field: 'x-switchyard-labels', description: `"${pair.trim().slice(0, 64)}" is not key=value` });
      continue;
    }
    labels[key] = pair.slice(eq + 1).trim();
  }
  if (Object.keys(labels).length > MAX_LABELS) bad.push({ field: 'x-switchyard-labels', description: `at most ${MAX_LABELS} labels` });
  if (bad.length > 0) throw invalidFields(bad);
  if (workerId === '' && taskType === '' && Object.keys(labels).length === 0) return { context: NO_CONTEXT, strategy };
  return { context: { ...NO_CONTEXT, workerId, taskType, labels }, strategy };
}

/** Label violations from the planner name `context.labels[k]`; here the header carries them. */
export function headerFieldName(field: string): string {
  return field.startsWith('context.labels[') ? `x-switchyard-labels[${field.slice('context.labels['.length, -1)}]` : field;
}
