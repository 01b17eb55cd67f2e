// A protobuf binary encoder compiled once per message schema from its protobuf-es descriptor.
//
// Why not protobuf-es's toBinary: it walks every message through the reflection API and a
// BinaryWriter that forks a buffer per nested message and joins the chunks afterwards. That
// was the largest single share of the Route server's busy time when profiled, and it runs once
// per streamed Chat event. This encoder does what protobufjs's generated
// code does: one pass sizes the message (remembering each nested message's length), a second
// writes it into one exactly sized Buffer. It covers the proto3 shapes protobuf-es uses —
// scalars, enums, messages, oneofs, repeated (packed or not), maps — and answers byte for
// byte what toBinary(schema, msg, { writeUnknownFields: false }) answers (property-tested in
// test/unit/binary-encoder.test.ts). Schemas it does not cover (proto2/editions features,
// the well-known types protobuf-es unboxes) get toBinary itself.
import { ScalarType, protoInt64, toBinary } from '@bufbuild/protobuf';
import type { DescField, DescMessage } from '@bufbuild/protobuf';

export type MessageEncoder = (message: unknown) => Buffer;

// google.protobuf.FeatureSet.FieldPresence.IMPLICIT (as protobuf-es's own reflect code names it).
export const IMPLICIT = 2;
const LEGACY_REQUIRED = 3;
const INT32_MAX = 0x7fffffff;
const INT32_MIN = -0x80000000;
const UINT32_MAX = 0xffffffff;
const FLOAT32_MAX = 3.4028234663852886e38;
/** Well-known types protobuf-es represents as plain JS values; their fields need its reflection. */
export const UNBOXED_WKT = /^google\.protobuf\.(\w+Value|Struct|Value|ListValue)$/;

const WIRE_VARINT = 0;
const WIRE_BIT64 = 1;
const WIRE_LEN = 2;
const WIRE_BIT32 = 5;

/** Per-call state: the output buffer and the nested-message lengths the sizing pass found. */
interface Out {
  buf: Buffer;
  pos: number;
  lens: number[];
  li: number;
}

interface FieldCodec {
  /** Bytes this field takes in `msg` (0 when unset); pushes nested lengths onto `lens`. */
  size(msg: Record<string, unknown>, lens: number[]): number;
  write(msg: Record<string, unknown>, out: Out): void;
}

interface CompiledMessage {
  fields: FieldCodec[];
}

const cache = new WeakMap<DescMessage, MessageEncoder>();

/** The encoder of `schema`; built on first use and kept for the process. */
export function binaryEncoder(schema: DescMessage): MessageEncoder {
  let enc = cache.get(schema);
  if (enc === undefined) {
    enc = compile(schema);
    cache.set(schema, enc);
  }
  return enc;
}

function compile(schema: DescMessage): MessageEncoder {
  if (!supported(schema, new Set())) {
    return (message) => {
      const bytes = toBinary(schema, message as never, { writeUnknownFields: false });
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    };
  }
  const compiled = compileMessage(schema, new Map());
  return (message) => {
    const lens: number[] = [];
    const size = sizeOfMessage(compiled, message as Record<string, unknown>, lens);
    const out: Out = { buf: Buffer.allocUnsafe(size), pos: 0, lens, li: 0 };
    writeMessage(compiled, message as Record<string, unknown>, out);
    if (out.pos !== size) throw new Error(`${schema.typeName}: encoder wrote ${out.pos} of ${size} bytes`);
    return out.buf;
  };
}

function supported(schema: DescMessage, seen: Set<DescMessage>): boolean {
  if (seen.has(schema)) return true;
  seen.add(schema);
  if (UNBOXED_WKT.test(schema.typeName)) return false;
  for (const f of schema.fields) {
    if (f.presence === LEGACY_REQUIRED) return false;
    if (f.fieldKind === 'message' && f.delimitedEncoding) return false;
    if (f.fieldKind === 'list' && f.listKind === 'message' && f.delimitedEncoding) return false;
    const sub =
      f.fieldKind === 'message'
        ? f.message
        : f.fieldKind === 'list' && f.listKind === 'message'
          ? f.message
          : f.fieldKind === 'map' && f.mapKind === 'message'
            ? f.message
            : undefined;
    if (sub !== undefined && !supported(sub, seen)) return false;
  }
  return true;
}

function compileMessage(schema: DescMessage, done: Map<DescMessage, CompiledMessage>): CompiledMessage {
  const existing = done.get(schema);
  if (existing) return existing;
  const compiled: CompiledMessage = { fields: [] }; // filled below; recursive types share it
  done.set(schema, compiled);
  const sorted = schema.fields.concat().sort((a, b) => a.number - b.number);
  for (const f of sorted) compiled.fields.push(compileField(f, done));
  return compiled;
}

function sizeOfMessage(m: CompiledMessage, msg: Record<string, unknown>, lens: number[]): number {
  let n = 0;
  const fields = m.fields;
  for (let i = 0; i < fields.length; i++) n += fields[i]!.size(msg, lens);
  return n;
}

function writeMessage(m: CompiledMessage, msg: Record<string, unknown>, out: Out): void {
  const fields = m.fields;
  for (let i = 0; i < fields.length; i++) fields[i]!.write(msg, out);
}

/** A nested message: tag, length (found by the sizing pass), fields. */
function sizeNested(m: CompiledMessage, value: Record<string, unknown>, tagLen: number, lens: number[]): number {
  const slot = lens.length;
  lens.push(0);
  const len = sizeOfMessage(m, value, lens);
  lens[slot] = len;
  return tagLen + varint32Size(len) + len;
}

function writeNested(m: CompiledMessage, value: Record<string, unknown>, tag: number, out: Out): void {
  writeVarint32(out, tag);
  writeVarint32(out, out.lens[out.li++]!);
  writeMessage(m, value, out);
}

function compileField(f: DescField, done: Map<DescMessage, CompiledMessage>): FieldCodec {
  const name = f.localName;
  const oneof = f.oneof?.localName;
  // The field's value in `msg`, or undefined when it is not set (protobuf-es's isSet rules).
  const get = oneofOrPlain(f, name, oneof);
  switch (f.fieldKind) {
    case 'scalar':
    case 'enum': {
      const type = f.fieldKind === 'enum' ? ScalarType.INT32 : f.scalar;
      const tag = (f.number << 3) | wireTypeOf(type);
      const tagLen = varint32Size(tag);
      const zero = f.fieldKind === 'enum' ? f.enum.values[0]!.number : undefined;
      const implicit = oneof === undefined && f.presence === IMPLICIT;
      const present = (v: unknown): boolean => v !== undefined && (!implicit || (zero !== undefined ? v !== zero : !isZero(type, v)));
      return {
        size(msg) {
          const v = get(msg);
          return present(v) ? tagLen + scalarSize(type, v, f) : 0;
        },
        write(msg, out) {
          const v = get(msg);
          if (!present(v)) return;
          writeVarint32(out, tag);
          writeScalar(out, type, v);
        },
      };
    }
    case 'message': {
      const sub = compileMessage(f.message, done);
      const tag = (f.number << 3) | WIRE_LEN;
      const tagLen = varint32Size(tag);
      return {
        size(msg, lens) {
          const v = get(msg) as Record<string, unknown> | undefined;
          return v == null ? 0 : sizeNested(sub, v, tagLen, lens);
        },
        write(msg, out) {
          const v = get(msg) as Record<string, unknown> | undefined;
          if (v != null) writeNested(sub, v, tag, out);
        },
      };
    }
    case 'list':
      return f.listKind === 'message' ? messageList(f.number, name, compileMessage(f.message, done)) : scalarList(f, name);
    case 'map':
      return mapField(f, name, done);
  }
}

function oneofOrPlain(f: DescField, name: string, oneof: string | undefined): (msg: Record<string, unknown>) => unknown {
  if (oneof === undefined) return (msg) => msg[name];
  return (msg) => {
    const o = msg[oneof] as { case?: string; value?: unknown } | undefined;
    return o !== undefined && o.case === name ? (o.value ?? defaultOf(f)) : undefined;
  };
}

/** A oneof member that is selected always goes on the wire, even with a zero value. */
function defaultOf(f: DescField): unknown {
  if (f.fieldKind === 'enum') return f.enum.values[0]!.number;
  if (f.fieldKind === 'scalar') return zeroOf(f.scalar);
  return undefined;
}

function messageList(no: number, name: string, sub: CompiledMessage): FieldCodec {
  const tag = (no << 3) | WIRE_LEN;
  const tagLen = varint32Size(tag);
  return {
    size(msg, lens) {
      const list = msg[name] as Record<string, unknown>[] | undefined;
      if (list === undefined) return 0;
      let n = 0;
      for (let i = 0; i < list.length; i++) n += sizeNested(sub, list[i]!, tagLen, lens);
      return n;
    },
    write(msg, out) {
      const list = msg[name] as Record<string, unknown>[] | undefined;
      if (list === undefined) return;
      for (let i = 0; i < list.length; i++) writeNested(sub, list[i]!, tag, out);
    },
  };
}

function scalarList(f: DescField & { fieldKind: 'list' }, name: string): FieldCodec {
  const type = f.listKind === 'enum' ? ScalarType.INT32 : f.scalar!;
  if (f.packed) {
    const tag = (f.number << 3) | WIRE_LEN;
    const tagLen = varint32Size(tag);
    const payload = (list: unknown[]): number => {
      const fixed = fixedSize(type);
      if (fixed > 0) return fixed * list.length;
      let n = 0;
      for (let i = 0; i < list.length; i++) n += scalarSize(type, list[i], f);
      return n;
    };
    return {
      size(msg, lens) {
        const list = msg[name] as unknown[] | undefined;
        if (list === undefined || list.length === 0) return 0;
        const len = payload(list);
        lens.push(len);
        return tagLen + varint32Size(len) + len;
      },
      write(msg, out) {
        const list = msg[name] as unknown[] | undefined;
        if (list === undefined || list.length === 0) return;
        writeVarint32(out, tag);
        writeVarint32(out, out.lens[out.li++]!);
        for (let i = 0; i < list.length; i++) writeScalar(out, type, list[i]);
      },
    };
  }
  const tag = (f.number << 3) | wireTypeOf(type);
  const tagLen = varint32Size(tag);
  return {
    size(msg) {
      const list = msg[name] as unknown[] | undefined;
      if (list === undefined) return 0;
      let n = 0;
      for (let i = 0; i < list.length; i++) n += tagLen + scalarSize(type, list[i], f);
      return n;
    },
    write(msg, out) {
      const list = msg[name] as unknown[] | undefined;
      if (list === undefined) return;
      for (let i = 0; i < list.length; i++) {
        writeVarint32(out, tag);
        writeScalar(out, type, list[i]);
      }
    },
  };
}

/** Map entries are messages { key = 1; value = 2 } whose key and value are always written. */
function mapField(f: DescField & { fieldKind: 'map' }, name: string, done: Map<DescMessage, CompiledMessage>): FieldCodec {
  const tag = (f.number << 3) | WIRE_LEN;
  const tagLen = varint32Size(tag);
  const keyType = f.mapKey;
  const keyTag = (1 << 3) | wireTypeOf(keyType);
  const valueType = f.mapKind === 'message' ? undefined : f.mapKind === 'enum' ? ScalarType.INT32 : f.scalar!;
  const valueTag = (2 << 3) | (valueType === undefined ? WIRE_LEN : wireTypeOf(valueType));
  const sub = f.mapKind === 'message' ? compileMessage(f.message, done) : undefined;
  // Object keys are strings; the key field has the map's key type.
  const key = (k: string): unknown =>
    keyType === ScalarType.STRING ? k : keyType === ScalarType.BOOL ? k === 'true' : is64(keyType) ? BigInt(k) : Number(k);
  return {
    size(msg, lens) {
      const map = msg[name] as Record<string, unknown> | undefined;
      if (map === undefined) return 0;
      let n = 0;
      for (const k of Object.keys(map)) {
        const v = map[k];
        const slot = lens.length;
        lens.push(0);
        let len = 1 + scalarSize(keyType, key(k), f);
        if (sub !== undefined) len += sizeNested(sub, v as Record<string, unknown>, 1, lens);
        else len += 1 + scalarSize(valueType!, v, f);
        lens[slot] = len;
        n += tagLen + varint32Size(len) + len;
      }
      return n;
    },
    write(msg, out) {
      const map = msg[name] as Record<string, unknown> | undefined;
      if (map === undefined) return;
      for (const k of Object.keys(map)) {
        const v = map[k];
        writeVarint32(out, tag);
        writeVarint32(out, out.lens[out.li++]!);
        writeVarint32(out, keyTag);
        writeScalar(out, keyType, key(k));
        if (sub !== undefined) writeNested(sub, v as Record<string, unknown>, valueTag, out);
        else {
          writeVarint32(out, valueTag);
          writeScalar(out, valueType!, v);
        }
      }
    },
  };
}

// --- scalars ---------------------------------------------------------------------------------

function is64(t: ScalarType): boolean {
  return (
    t === ScalarType.INT64 || t === ScalarType.UINT64 || t === ScalarType.SINT64 || t === ScalarType.FIXED64 || t === ScalarType.SFIXED64
  );
}

function wireTypeOf(t: ScalarType): number {
  switch (t) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WIRE_LEN;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WIRE_BIT64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WIRE_BIT32;
    default:
      return WIRE_VARINT;
  }
}

function fixedSize(t: ScalarType): number {
  const w = wireTypeOf(t);
  return w === WIRE_BIT64 ? 8 : w === WIRE_BIT32 ? 4 : t === ScalarType.BOOL ? 1 : 0;
}

function zeroOf(t: ScalarType): unknown {
  if (t === ScalarType.STRING) return '';
  if (t === ScalarType.BOOL) return false;
  if (t === ScalarType.BYTES) return new Uint8Array(0);
  return is64(t) ? protoInt64.zero : 0;
}

/** protobuf-es's isScalarZeroValue: implicit-presence fields with this value are not written. */
function isZero(t: ScalarType, v: unknown): boolean {
  switch (t) {
    case ScalarType.BOOL:
      return v === false;
    case ScalarType.STRING:
      return v === '';
    case ScalarType.BYTES:
      return v instanceof Uint8Array && v.byteLength === 0;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return Object.is(v, 0); // -0 is written
    default:
      // biome-ignore lint/suspicious/noDoubleEquals: loose on purpose, one test for 0, 0n and "0"
      return v == 0;
  }
}

function scalarSize(t: ScalarType, v: unknown, f: DescField): number {
  switch (t) {
    case ScalarType.STRING: {
      const len = utf8Length(v as string);
      return varint32Size(len) + len;
    }
    case ScalarType.BYTES: {
      const len = (v as Uint8Array).byteLength;
      return varint32Size(len) + len;
    }
    case ScalarType.BOOL:
      return 1;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return 8;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return 4;
    case ScalarType.INT32: {
      const n = int32(v, f);
      return n >= 0 ? varint32Size(n) : 10;
    }
    case ScalarType.UINT32:
      return varint32Size(uint32(v, f));
    case ScalarType.SINT32: {
      const n = int32(v, f);
      return varint32Size(((n << 1) ^ (n >> 31)) >>> 0);
    }
    case ScalarType.INT64:
    case ScalarType.UINT64: {
      if (typeof v === 'bigint' && v >= 0n && v <= 0xffffffffn) return varint32Size(Number(v));
      const { lo, hi } = t === ScalarType.INT64 ? protoInt64.enc(v as bigint) : protoInt64.uEnc(v as bigint);
      return varint64Size(lo, hi);
    }
    case ScalarType.SINT64: {
      const { lo, hi } = protoInt64.enc(v as bigint);
      return varint64Size(...zigzag64(lo, hi));
    }
  }
  throw new Error(`unknown scalar type ${t}`);
}

function writeScalar(out: Out, t: ScalarType, v: unknown): void {
  switch (t) {
    case ScalarType.STRING:
      return writeString(out, v as string);
    case ScalarType.BYTES: {
      const b = v as Uint8Array;
      writeVarint32(out, b.byteLength);
      out.buf.set(b, out.pos);
      out.pos += b.byteLength;
      return;
    }
    case ScalarType.BOOL:
      out.buf[out.pos++] = v ? 1 : 0;
      return;
    case ScalarType.DOUBLE:
      out.buf.writeDoubleLE(v as number, out.pos);
      out.pos += 8;
      return;
    case ScalarType.FLOAT:
      out.buf.writeFloatLE(float32(v), out.pos);
      out.pos += 4;
      return;
    case ScalarType.FIXED32:
      out.buf.writeUInt32LE(v as number, out.pos);
      out.pos += 4;
      return;
    case ScalarType.SFIXED32:
      out.buf.writeInt32LE(v as number, out.pos);
      out.pos += 4;
      return;
    case ScalarType.INT32: {
      const n = v as number; // validated by the sizing pass
      if (n >= 0) writeVarint32(out, n);
      else writeVarint64(out, n, -1);
      return;
    }
    case ScalarType.UINT32:
      return writeVarint32(out, v as number);
    case ScalarType.SINT32: {
      const n = v as number;
      return writeVarint32(out, ((n << 1) ^ (n >> 31)) >>> 0);
    }
    case ScalarType.INT64:
    case ScalarType.UINT64: {
      if (typeof v === 'bigint' && v >= 0n && v <= 0xffffffffn) return writeVarint32(out, Number(v));
      const { lo, hi } = t === ScalarType.INT64 ? protoInt64.enc(v as bigint) : protoInt64.uEnc(v as bigint);
      return writeVarint64(out, lo, hi);
    }
    case ScalarType.SINT64: {
      const { lo, hi } = protoInt64.enc(v as bigint);
      const [zlo, zhi] = zigzag64(lo, hi);
      return writeVarint64(out, zlo, zhi);
    }
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64: {
      const { lo, hi } = t === ScalarType.SFIXED64 ? protoInt64.enc(v as bigint) : protoInt64.uEnc(v as bigint);
      out.buf.writeInt32LE(lo, out.pos);
      out.buf.writeInt32LE(hi, out.pos + 4);
      out.pos += 8;
      return;
    }
  }
}

// The checks BinaryWriter makes, so a bad value fails here as it would in toBinary.
function int32(v: unknown, f: DescField): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n > INT32_MAX || n < INT32_MIN) throw invalid(f, 'int32', v);
  return n;
}

function uint32(v: unknown, f: DescField): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n > UINT32_MAX || n < 0) throw invalid(f, 'uint32', v);
  return n;
}

function float32(v: unknown): number {
  const n = v as number;
  if (Number.isFinite(n) && (n > FLOAT32_MAX || n < -FLOAT32_MAX)) throw new Error(`invalid float32: ${n}`);
  return n;
}

function invalid(f: DescField, type: string, v: unknown): Error {
  return new Error(`cannot encode field ${f.parent.typeName}.${f.name} to binary: invalid ${type}: ${String(v)}`);
}

// --- varints and strings ---------------------------------------------------------------------

function varint32Size(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

function writeVarint32(out: Out, n: number): void {
  const buf = out.buf;
  let pos = out.pos;
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  out.pos = pos;
}

function varint64Size(lo: number, hi: number): number {
  lo >>>= 0;
  hi >>>= 0;
  let size = 1;
  while (hi !== 0 || lo > 0x7f) {
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
    size++;
  }
  return size;
}

function writeVarint64(out: Out, lo: number, hi: number): void {
  const buf = out.buf;
  let pos = out.pos;
  lo >>>= 0;
  hi >>>= 0;
  while (hi !== 0 || lo > 0x7f) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  out.pos = pos;
}

function zigzag64(lo: number, hi: number): [number, number] {
  const sign = hi >> 31;
  return [((lo << 1) ^ sign) >>> 0, (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0];
}

/** UTF-8 length; short ASCII strings (ids, model names, tokens) are counted without a call out. */
function utf8Length(s: string): number {
  if (s.length > 64) return Buffer.byteLength(s, 'utf8');
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

function writeString(out: Out, s: string): void {
  const len = utf8Length(s);
  writeVarint32(out, len);
  const buf = out.buf;
  if (len === s.length && len <= 64) {
    let pos = out.pos;
    for (let i = 0; i < len; i++) buf[pos++] = s.charCodeAt(i);
    out.pos = pos;
  } else {
    out.pos += buf.write(s, out.pos, len, 'utf8');
  }
}
