// The compiled decoder must answer exactly what protobuf-es's fromBinary answers — the same
// message (types, values, key order) or the same error — for every message of the contract, on
// valid input, on merged input (two encodings back to back), with unknown fields, and on
// corrupted bytes (property tests). Valid input without unknown fields must take the fast path.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { ChatRequestSchema, RouteRequestSchema } from '../../gen/switchyard/v1/router_pb.js';
import { binaryDecoder, fastDecoder } from '../../src/server/binary-decoder.js';
import { messageInit, messages } from '../helpers/proto-arbitrary.js';

const encode = (schema: DescMessage, init: Record<string, unknown>): Buffer => Buffer.from(toBinary(schema, create(schema, init as never)));

/** Keys in insertion order, all the way down: the same object shape as fromBinary's. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return typeof v;
  return Object.entries(v).map(([k, x]) => [k, shape(x)]);
}

function outcome(decode: () => unknown): { ok: unknown } | { error: string } {
  try {
    return { ok: decode() };
  } catch (err) {
    return { error: String(err) };
  }
}

describe('compiled binary decoder', () => {
  for (const schema of messages) {
    it(`${schema.typeName}: the same message as fromBinary, through the fast path`, () => {
      const fast = fastDecoder(schema);
      expect(fast).toBeDefined();
      fc.assert(
        fc.property(messageInit(schema, 0), messageInit(schema, 0), (a, b) => {
          const bytes = encode(schema, a);
          const expected = fromBinary(schema, bytes);
          const got = fast!(bytes);
          expect(got).toStrictEqual(expected);
          expect(shape(got)).toStrictEqual(shape(expected));
          // Back to back, two encodings merge: lists append, messages merge, the last scalar wins.
          const merged = Buffer.concat([bytes, encode(schema, b)]);
          expect(fast!(merged)).toStrictEqual(fromBinary(schema, merged));
          // A plain Uint8Array (bytes fields are views of the input, as fromBinary's are).
          const plain = new Uint8Array(bytes);
          expect(binaryDecoder(schema)(plain)).toStrictEqual(fromBinary(schema, plain));
        }),
        { numRuns: 40 },
      );
    });
  }

  it('leaves unknown fields to fromBinary, which keeps them', () => {
    const bytes = Buffer.concat([encode(RouteRequestSchema, { model: 'm' }), Buffer.from([0xc0, 0x3e, 0x07])]); // field 1000, varint 7
    expect(fastDecoder(RouteRequestSchema)!(bytes)).toBeUndefined();
    const msg = binaryDecoder(RouteRequestSchema)(bytes) as { $unknown?: unknown[]; model: string };
    expect(msg.model).toBe('m');
    expect(msg.$unknown).toHaveLength(1);
    expect(msg).toStrictEqual(fromBinary(RouteRequestSchema, bytes));
  });

  it('decodes non-ASCII text as fromBinary does (BOM dropped, invalid UTF-8 refused)', () => {
    const text = encode(RouteRequestSchema, { model: 'é\u{1F600}', requestId: '\uFEFFbom' });
    expect(binaryDecoder(RouteRequestSchema)(text)).toStrictEqual(fromBinary(RouteRequestSchema, text));
    const invalid = Buffer.from([0x0a, 0x02, 0xc3, 0x28]); // model: a broken two-byte sequence
    expect(outcome(() => binaryDecoder(RouteRequestSchema)(invalid))).toStrictEqual(outcome(() => fromBinary(RouteRequestSchema, invalid)));
  });

  for (const schema of [RouteRequestSchema, ChatRequestSchema]) {
    it(`${schema.typeName}: corrupted bytes give fromBinary's answer or its error`, () => {
      const decode = binaryDecoder(schema);
      const edit = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('set', 'insert', 'delete') });
      fc.assert(
        fc.property(messageInit(schema, 0), fc.array(edit, { minLength: 1, maxLength: 4 }), fc.option(fc.nat()), (init, edits, cut) => {
          const bytes = [...encode(schema, init)];
          for (const e of edits) {
            const at = bytes.length === 0 ? 0 : e.at % bytes.length;
            if (e.kind === 'set') bytes[at] = e.byte;
            else if (e.kind === 'insert') bytes.splice(at, 0, e.byte);
            else bytes.splice(at, 1);
          }
          const input = Buffer.from(cut === null ? bytes : bytes.slice(0, cut % (bytes.length + 1)));
          expect(outcome(() => decode(input))).toStrictEqual(outcome(() => fromBinary(schema, input)));
        }),
        { numRuns: 400 },
      );
    });
  }
});
