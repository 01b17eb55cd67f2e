// Request validation: every problem becomes INVALID_ARGUMENT naming the field (all problems
// found are reported at once). Runs before any routing or upstream work.
import type { DescMessage } from '@bufbuild/protobuf';
import { Role, type Message, type Requirements } from '../../gen/switchyard/v1/common_pb.js';
import { invalidFields, type FieldViolation } from '../errors.js';
import { findUnknownEnums } from './enum-check.js';
import { matchRoute, type RouteRuleDef } from '../routing/routes.js';

export const MAX_MODEL_NAME = 256;
export const MAX_REQUEST_ID = 128;
export const MAX_OUTPUT_TOKENS_LIMIT = 10_000_000n;

export class Violations {
  readonly list: FieldViolation[] = [];
  add(field: string, description: string): void {
    this.list.push({ field, description });
  }
  enums(desc: DescMessage, msg: unknown): void {
    findUnknownEnums(desc, msg, '', this.list);
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw invalidFields(this.list);
  }
}

/**
 * `routes`: for calls a route rule can serve, an empty model is valid when a rule matches the
 * caller (tenant, worker_id, task_type); otherwise it is reported with the other violations.
 */
export function checkModel(
  v: Violations,
  model: string,
  field = 'model',
  routes?: { rules: readonly RouteRuleDef[]; tenant: string; workerId: string; taskType: string },
): void {
  if (model === '' && routes) {
    if (!matchRoute(routes.rules, routes.tenant, routes.workerId, routes.taskType)) {
      v.add(field, 'must not be empty (no route rule matches this tenant, worker_id and task_type)');
    }
    return;
  }
  if (model.trim() === '') v.add(field, 'must not be empty');
  else if (model.length > MAX_MODEL_NAME) v.add(field, `must be at most ${MAX_MODEL_NAME} characters`);
}

export function checkRequestId(v: Violations, id: string): void {
  if (id.length > MAX_REQUEST_ID) v.add('request_id', `must be at most ${MAX_REQUEST_ID} characters`);
  // Identifiers land in the ledger, decisions and logs: no control characters (NUL included).
  else if (CONTROL.test(id)) v.add('request_id', 'must not contain control characters');
}

const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_CONTEXT_ID = 128;

/** worker_id and task_type: short identifiers that budgets, routes and the ledger key on. */
export function checkContextIds(v: Violations, c: { workerId: string; taskType: string } | undefined): void {
  if (!c) return;
  for (const [field, value] of [
    ['context.worker_id', c.workerId],
    ['context.task_type', c.taskType],
  ] as const) {
    if (value.length > MAX_CONTEXT_ID) v.add(field, `must be at most ${MAX_CONTEXT_ID} characters`);
    else if (CONTROL.test(value)) v.add(field, 'must not contain control characters');
  }
}

export function checkMaxOutput(v: Violations, value: bigint, field: string): void {
  if (value < 0n) v.add(field, 'must not be negative');
  else if (value > MAX_OUTPUT_TOKENS_LIMIT) v.add(field, `must be at most ${MAX_OUTPUT_TOKENS_LIMIT}`);
}

/** Roles set, and the conversation's total size within the limit. */
export function checkMessages(v: Violations, messages: readonly Message[], maxBytes: number, required: boolean): void {
  if (required && messages.length === 0) v.add('messages', 'must contain at least one message');
  let bytes = 0;
  messages.forEach((m, i) => {
    if (m.role === Role.UNSPECIFIED) v.add(`messages[${i}].role`, 'must be set (ROLE_SYSTEM, ROLE_USER, ROLE_ASSISTANT or ROLE_TOOL)');
    if (m.role === Role.TOOL && m.toolCallId === '') v.add(`messages[${i}].tool_call_id`, 'is required for ROLE_TOOL');
    bytes += m.content.length + m.name.length + m.toolCallId.length;
    m.parts.forEach((p, j) => {
      if (p.part.case === 'text') bytes += p.part.value.length;
      else if (p.part.case === 'image') {
        const src = p.part.value.source;
        if (src.case === 'url') bytes += src.value.length;
        else if (src.case === 'data') {
          bytes += src.value.byteLength;
          if (!p.part.value.mimeType) v.add(`messages[${i}].parts[${j}].image.mime_type`, 'is required with data');
        } else v.add(`messages[${i}].parts[${j}].image`, 'needs a url or data');
      } else v.add(`messages[${i}].parts[${j}]`, 'is empty');
    });
    for (const c of m.toolCalls) bytes += c.argumentsJson.length + c.name.length + c.id.length;
  });
  // String lengths count UTF-16 units, a lower bound on UTF-8 bytes up to 3x; cheap and
  // good enough to stop oversized payloads before any work is done on them.
  if (bytes > maxBytes) v.add('messages', `total size ${bytes} exceeds the limit of ${maxBytes} bytes`);
}

export function checkRequirements(v: Violations, r: Requirements | undefined): void {
  if (!r) return;
  if (r.minContextTokens < 0n) v.add('requirements.min_context_tokens', 'must not be negative');
  if (r.maxPricePerMillionTokens < 0n) v.add('requirements.max_price_per_million_tokens', 'must not be negative');
  if (r.maxLatencyMs < 0n) v.add('requirements.max_latency_ms', 'must not be negative');
}

/** google.protobuf.Timestamp's documented range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
const MIN_TIMESTAMP_SECONDS = -62_135_596_800n;
const MAX_TIMESTAMP_SECONDS = 253_402_300_799n;

/** A Timestamp field as a Date, or a violation naming the field when it is outside its range. */
export function checkTimestamp(v: Violations, field: string, ts: { seconds: bigint; nanos: number } | undefined): Date | undefined {
  if (!ts) return undefined;
  if (ts.seconds < MIN_TIMESTAMP_SECONDS || ts.seconds > MAX_TIMESTAMP_SECONDS || ts.nanos < 0 || ts.nanos > 999_999_999) {
    v.add(field, 'must be a timestamp between 0001-01-01 and 9999-12-31');
    return undefined;
  }
  const d = new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000));
  if (Number.isNaN(d.getTime())) {
    v.add(field, 'must be a timestamp between 0001-01-01 and 9999-12-31');
    return undefined;
  }
  return d;
}
