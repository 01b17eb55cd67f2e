// A protobuf binary decoder compiled once per proto3 message schema, the counterpart of
// binary-encoder.ts for requests arriving on the gRPC port.
//
// Why not protobuf-es's fromBinary alone: it goes through the reflection API for every field
// (a ReflectMessage per message, findNumber, get/set with conversions, createZeroMessage),
// about 8% of the Route server's busy time here for a 113-byte request. This decoder reads
// the same wire data straight into the same plain objects, with protobuf-es's own
// BinaryReader for the numbers and its own UTF-8 decoder for non-ASCII strings.
//
// Exactness by construction: the fast path takes only well-formed input it fully understands.
// Anything else — an unknown field (kept in `$unknown` by fromBinary), a wire type that does
// not match the field, a truncated or overlong length, a bad tag, too deep a nesting, invalid
// UTF-8 — abandons it and the whole buffer is decoded by fromBinary, which answers (or throws)
// exactly as before. Schemas outside plain proto3 (proto2/editions presence, closed enums,
// delimited messages, 64-bit fields as strings, the well-known types protobuf-es unboxes) always
// use fromBinary. test/unit/binary-decoder.test.ts checks equality with fromBinary for every
// message of the contract, on valid, extended and corrupted input.
import { BinaryReader, WireType, getTextEncoding } from '@bufbuild/protobuf/wire';
import { ScalarType, fromBinary } from '@bufbuild/protobuf';
import type { DescField, DescMessage } from '@bufbuild/protobuf';
import { IMPLICIT, UNBOXED_WKT } from './binary-encoder.js';

export type MessageDecoder = (bytes: Uint8Array) => unknown;

const EDITION_PROTO3 = 999;
/** fromBinary's default recursion limit: deeper input is left to it (it throws). */
const MAX_DEPTH = 100;

/** Thrown inside the fast path to hand the buffer to fromBinary; never escapes. */
const FALLBACK = new Error('binary-decoder: use fromBinary');

type Msg = Record<string, unknown>;

/** BinaryReader with its buffer readable (protobuf-es keeps it protected). */
class Reader extends BinaryReader {
  constructor(readonly data: Uint8Array) {
    super(data);
  }
}
/** Reads one occurrence of a field (the tag already read) into `msg`. */
type FieldReader = (r: Reader, msg: Msg, wireType: number, depth: number) => void;

interface CompiledMessage {
  typeName: string;
  /** Own properties of a fresh message, in createZeroMessage's order. */
  zeros: { name: string; zero: () => unknown }[];
  /** Readers by field number (sparse). */
  readers: (FieldReader | undefined)[];
}

const cache = new WeakMap<DescMessage, MessageDecoder>();

/** The decoder of `schema`; built on first use and kept for the process. */
export function binaryDecoder(schema: DescMessage): MessageDecoder {
  let dec = cache.get(schema);
  if (dec === undefined) {
    const fast = fastDecoder(schema);
    dec = fast === undefined ? (bytes) => fromBinary(schema, bytes) : (bytes) => fast(bytes) ?? fromBinary(schema, bytes);
    cache.set(schema, dec);
  }
  return dec;
}

/**
 * The fast path alone: undefined for a schema it does not cover, and its result undefined
 * for input it leaves to fromBinary. Exported for the tests, which check that it takes every
 * valid message without unknown fields.
 */
export function fastDecoder(schema: DescMessage): ((bytes: Uint8Array) => Msg | undefined) | undefined {
  if (!supported(schema, new Set())) return undefined;
  const compiled = compileMessage(schema, new Map());
  return (bytes) => {
    try {
      const r = new Reader(bytes);
      const msg = zeroMessage(compiled);
      readFields(compiled, r, msg, bytes.length, 1);
      return msg;
    } catch {
      return undefined;
    }
  };
}

function supported(schema: DescMessage, seen: Set<DescMessage>): boolean {
  if (seen.has(schema)) return true;
  seen.add(schema);
  if (schema.file.edition !== EDITION_PROTO3 || UNBOXED_WKT.test(schema.typeName)) return false;
  for (const f of schema.fields) {
    if ((f.fieldKind === 'scalar' || f.fieldKind === 'list' || f.fieldKind === 'map') && 'longAsString' in f && f.longAsString)
      return false;
    if ((f.fieldKind === 'message' || (f.fieldKind === 'list' && f.listKind === 'message')) && f.delimitedEncoding) return false;
    if (f.fieldKind === 'enum' && !f.enum.open) return false;
    if ((f.fieldKind === 'list' && f.listKind === 'enum') || (f.fieldKind === 'map' && f.mapKind === 'enum')) {
      if (!f.enum.open) return false;
    }
    const sub = f.fieldKind === 'message' ? f.message : f.fieldKind === 'list' || f.fieldKind === 'map' ? f.message : undefined;
    if (sub !== undefined && !supported(sub, seen)) return false;
  }
  return true;
}

function compileMessage(schema: DescMessage, done: Map<DescMessage, CompiledMessage>): CompiledMessage {
  const existing = done.get(schema);
  if (existing) return existing;
  const compiled: CompiledMessage = { typeName: schema.typeName, zeros: [], readers: [] }; // recursive types share it
  done.set(schema, compiled);
  for (const member of schema.members) {
    if (member.kind === 'oneof') compiled.zeros.push({ name: member.localName, zero: () => ({ case: undefined }) });
    else if (member.presence === IMPLICIT) compiled.zeros.push({ name: member.localName, zero: zeroOf(member) });
  }
  for (const f of schema.fields) compiled.readers[f.number] = fieldReader(f, done);
  return compiled;
}

function zeroMessage(m: CompiledMessage): Msg {
  const msg: Msg = { $typeName: m.typeName };
  const zeros = m.zeros;
  for (let i = 0; i < zeros.length; i++) msg[zeros[i]!.name] = zeros[i]!.zero();
  return msg;
}

/** The zero value protobuf-es's createZeroField gives an implicit-presence field. */
function zeroOf(f: DescField): () => unknown {
  switch (f.fieldKind) {
    case 'list':
      return () => [];
    case 'map':
      return () => ({});
    case 'enum': {
      const v = f.enum.values[0]!.number;
      return () => v;
    }
    case 'scalar': {
      const v = scalarZero(f.scalar);
      return f.scalar === ScalarType.BYTES ? () => new Uint8Array(0) : () => v;
    }
    case 'message':
      return () => undefined; // not reached: proto3 message fields have explicit presence
  }
}

function scalarZero(t: ScalarType): unknown {
  switch (t) {
    case ScalarType.STRING:
      return '';
    case ScalarType.BOOL:
      return false;
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SFIXED64:
    case ScalarType.FIXED64:
    case ScalarType.SINT64:
      return 0n;
    case ScalarType.BYTES:
      return new Uint8Array(0);
    default:
      return 0;
  }
}

function readFields(m: CompiledMessage, r: Reader, msg: Msg, end: number, depth: number): void {
  if (depth > MAX_DEPTH) throw FALLBACK;
  const readers = m.readers;
  while (r.pos < end) {
    const start = r.pos;
    const tag = r.uint32();
    // BinaryReader.tag()'s checks: a tag fits in uint32, field 0 and wire types 6-7 are illegal.
    if (r.pos - start > 5 || (r.pos - start === 5 && r.data[r.pos - 1]! > 0x0f)) throw FALLBACK;
    const fieldNo = tag >>> 3;
    const wireType = tag & 7;
    const read = fieldNo > 0 ? readers[fieldNo] : undefined;
    if (read === undefined || wireType > 5) throw FALLBACK; // unknown fields are kept by fromBinary
    read(r, msg, wireType, depth);
  }
  if (r.pos !== end) throw FALLBACK; // a length overran its message
}

function fieldReader(f: DescField, done: Map<DescMessage, CompiledMessage>): FieldReader {
  const name = f.localName;
  const oneof = f.oneof?.localName;
  const set: (msg: Msg, value: unknown) => void =
    oneof === undefined ? (msg, value) => void (msg[name] = value) : (msg, value) => void (msg[oneof] = { case: name, value });
  switch (f.fieldKind) {
    case 'scalar': {
      const read = scalarReader(f.scalar, f.utf8Validation);
      const wire = wireTypeOf(f.scalar);
      return (r, msg, wt) => {
        if (wt !== wire) throw FALLBACK;
        set(msg, read(r));
      };
    }
    case 'enum':
      return (r, msg, wt) => {
        if (wt !== WireType.Varint) throw FALLBACK;
        set(msg, r.int32());
      };
    case 'message': {
      const sub = compileMessage(f.message, done);
      return (r, msg, wt, depth) => {
        if (wt !== WireType.LengthDelimited) throw FALLBACK;
        // A message field seen again merges into the first (a oneof only if it holds this field).
        let target: Msg | undefined;
        if (oneof === undefined) target = msg[name] as Msg | undefined;
        else {
          const o = msg[oneof] as { case: unknown; value: unknown };
          if (o.case === name) target = o.value as Msg;
        }
        target ??= zeroMessage(sub);
        readNested(sub, r, target, depth);
        set(msg, target);
      };
    }
    case 'list': {
      if (f.listKind === 'message') {
        const sub = compileMessage(f.message, done);
        return (r, msg, wt, depth) => {
          if (wt !== WireType.LengthDelimited) throw FALLBACK;
          const item = zeroMessage(sub);
          readNested(sub, r, item, depth);
          (msg[name] as unknown[]).push(item);
        };
      }
      const scalar = f.listKind === 'enum' ? ScalarType.INT32 : f.scalar;
      const read = scalarReader(scalar, f.utf8Validation);
      const wire = wireTypeOf(scalar);
      const packable = scalar !== ScalarType.STRING && scalar !== ScalarType.BYTES;
      return (r, msg, wt) => {
        const list = msg[name] as unknown[];
        if (packable && wt === WireType.LengthDelimited) {
          const end = lengthEnd(r);
          while (r.pos < end) list.push(read(r));
          if (r.pos !== end) throw FALLBACK;
          return;
        }
        if (wt !== wire) throw FALLBACK;
        list.push(read(r));
      };
    }
    case 'map': {
      const readKey = scalarReader(f.mapKey, f.utf8Validation);
      const keyWire = wireTypeOf(f.mapKey);
      const keyZero = scalarZero(f.mapKey);
      let readValue: (r: Reader, depth: number) => unknown;
      let valueWire: number;
      let valueZero: () => unknown;
      if (f.mapKind === 'message') {
        const sub = compileMessage(f.message, done);
        readValue = (r, depth) => {
          const v = zeroMessage(sub);
          readNested(sub, r, v, depth);
          return v;
        };
        valueWire = WireType.LengthDelimited;
        valueZero = () => zeroMessage(sub);
      } else {
        const scalar = f.mapKind === 'enum' ? ScalarType.INT32 : f.scalar;
        const read = scalarReader(scalar, f.utf8Validation);
        readValue = (r) => read(r);
        valueWire = wireTypeOf(scalar);
        const zero = f.mapKind === 'enum' ? f.enum.values[0]!.number : scalarZero(scalar);
        valueZero = scalar === ScalarType.BYTES ? () => new Uint8Array(0) : () => zero;
      }
      return (r, msg, wt, depth) => {
        if (wt !== WireType.LengthDelimited) throw FALLBACK;
        const end = lengthEnd(r);
        let key: unknown;
        let value: unknown;
        while (r.pos < end) {
          const entryTag = r.uint32();
          if (entryTag === ((1 << 3) | keyWire)) key = readKey(r);
          else if (entryTag === ((2 << 3) | valueWire)) value = readValue(r, depth);
          else throw FALLBACK;
        }
        if (r.pos !== end) throw FALLBACK;
        // As protobuf-es stores map keys: strings and numbers as they are, others as String(key).
        const k = key === undefined ? keyZero : key;
        (msg[name] as Msg)[typeof k === 'string' || typeof k === 'number' ? k : String(k)] = value === undefined ? valueZero() : value;
      };
    }
  }
}

function readNested(m: CompiledMessage, r: Reader, msg: Msg, depth: number): void {
  const end = lengthEnd(r);
  readFields(m, r, msg, end, depth + 1);
}

/** Reads a length prefix; the end it gives must lie inside the buffer. */
function lengthEnd(r: Reader): number {
  const end = r.uint32() + r.pos;
  if (end > r.len) throw FALLBACK;
  return end;
}

function wireTypeOf(t: ScalarType): number {
  switch (t) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}

/** BinaryReader's own method per type (as fromBinary's readScalar), strings excepted. */
function scalarReader(t: ScalarType, strict: boolean): (r: Reader) => unknown {
  switch (t) {
    case ScalarType.STRING:
      return (r) => readString(r, strict);
    case ScalarType.BOOL:
      return (r) => r.bool();
    case ScalarType.DOUBLE:
      return (r) => r.double();
    case ScalarType.FLOAT:
      return (r) => r.float();
    case ScalarType.INT32:
      return (r) => r.int32();
    case ScalarType.INT64:
      return (r) => r.int64();
    case ScalarType.UINT64:
      return (r) => r.uint64();
    case ScalarType.FIXED64:
      return (r) => r.fixed64();
    case ScalarType.BYTES:
      return (r) => r.bytes();
    case ScalarType.FIXED32:
      return (r) => r.fixed32();
    case ScalarType.SFIXED32:
      return (r) => r.sfixed32();
    case ScalarType.SFIXED64:
      return (r) => r.sfixed64();
    case ScalarType.SINT64:
      return (r) => r.sint64();
    case ScalarType.UINT32:
      return (r) => r.uint32();
    case ScalarType.SINT32:
      return (r) => r.sint32();
  }
}

const decodeUtf8 = getTextEncoding().decodeUtf8;
const latin1Slice = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string;

/**
 * ASCII is the same text in any decoding, and far cheaper to turn into a string than a
 * TextDecoder call; anything else goes through the decoder fromBinary uses (its BOM handling,
 * U+FFFD substitution and, for strict fields, its exception).
 */
function readString(r: Reader, strict: boolean): string {
  const end = lengthEnd(r);
  const buf = r.data;
  const start = r.pos;
  r.pos = end;
  let i = start;
  while (i < end && buf[i]! < 0x80) i++;
  if (i === end) return latin1Slice.call(buf, start, end);
  return decodeUtf8(buf.subarray(start, end), strict);
}
