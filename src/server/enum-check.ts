// Finds enum fields holding values the contract does not define (proto3 enums are open, so a
// newer or buggy client can send any number). Walks only the fields that can hold an enum,
// planned once per message type.
import type { DescField, DescMessage } from '@bufbuild/protobuf';
import type { FieldViolation } from '../errors.js';

type Check = { field: DescField; path: string };
const plans = new WeakMap<DescMessage, Check[]>();

function planFor(desc: DescMessage, seen = new Set<DescMessage>()): Check[] {
  const cached = plans.get(desc);
  if (cached) return cached;
  seen.add(desc);
  const checks: Check[] = [];
  for (const field of desc.fields) {
    const target = field.message;
    const holdsEnum = field.enum !== undefined || (target !== undefined && !seen.has(target) && planFor(target, seen).length > 0);
    if (holdsEnum) checks.push({ field, path: protoName(field) });
  }
  plans.set(desc, checks);
  return checks;
}

function protoName(field: DescField): string {
  return field.name;
}

function isKnown(field: DescField, value: unknown): boolean {
  const e = field.enum;
  return e === undefined || e.values.some((v) => v.number === value);
}

/** Appends a violation for every unknown enum value found under `msg`. */
export function findUnknownEnums(desc: DescMessage, msg: unknown, prefix: string, out: FieldViolation[]): void {
  const m = msg as Record<string, unknown>;
  for (const { field, path } of planFor(desc)) {
    const name = prefix ? `${prefix}.${path}` : path;
    let value: unknown;
    if (field.oneof) {
      const o = m[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
      if (o?.case !== field.localName) continue;
      value = o.value;
    } else {
      value = m[field.localName];
    }
    if (value === undefined) continue;
    visit(field, value, name, out);
  }
}

function visit(field: DescField, value: unknown, name: string, out: FieldViolation[]): void {
  switch (field.fieldKind) {
    case 'enum':
      if (!isKnown(field, value)) out.push({ field: name, description: `unknown enum value ${String(value)}` });
      return;
    case 'message':
      findUnknownEnums(field.message, value, name, out);
      return;
    case 'list':
      (value as unknown[]).forEach((v, i) => {
        if (field.listKind === 'enum' && !isKnown(field, v)) {
          out.push({ field: `${name}[${i}]`, description: `unknown enum value ${String(v)}` });
        } else if (field.listKind === 'message') {
          findUnknownEnums(field.message, v, `${name}[${i}]`, out);
        }
      });
      return;
    case 'map':
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (field.mapKind === 'enum' && !isKnown(field, v)) {
          out.push({ field: `${name}[${k}]`, description: `unknown enum value ${String(v)}` });
        } else if (field.mapKind === 'message') {
          findUnknownEnums(field.message, v, `${name}[${k}]`, out);
        }
      }
      return;
    default:
      return;
  }
}
