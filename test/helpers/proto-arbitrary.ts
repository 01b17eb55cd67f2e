// fast-check arbitraries for every message of the switchyard.v1 contract (and the google.rpc
// messages it sends): random values of every field kind, in protobuf-es init shapes. Shared by
// the compiled encoder and decoder tests.
import fc from 'fast-check';
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { file_switchyard_v1_router } from '../../gen/switchyard/v1/router_pb.js';
import { file_switchyard_v1_admin } from '../../gen/switchyard/v1/admin_pb.js';
import { file_switchyard_v1_common } from '../../gen/switchyard/v1/common_pb.js';
import { file_google_rpc_status } from '../../gen/google/rpc/status_pb.js';
import { file_google_rpc_error_details } from '../../gen/google/rpc/error_details_pb.js';

export const messages: DescMessage[] = [
  file_switchyard_v1_router,
  file_switchyard_v1_admin,
  file_switchyard_v1_common,
  file_google_rpc_status,
  file_google_rpc_error_details,
].flatMap((f) => f.messages);

const text = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'binary', minLength: 60, maxLength: 200 }),
  fc.string({ unit: 'grapheme', minLength: 10, maxLength: 70 }),
);
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

function scalar(t: ScalarType): fc.Arbitrary<unknown> {
  switch (t) {
    case ScalarType.STRING:
      return text;
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 40 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.DOUBLE:
      return fc.oneof(fc.double(), fc.constantFrom(0, -0, 1));
    case ScalarType.FLOAT:
      return fc.float();
    case ScalarType.INT32:
    case ScalarType.SFIXED32:
    case ScalarType.SINT32:
      return fc.oneof(fc.integer(), fc.constantFrom(0, -1, 127, 128));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.nat({ max: 0xffffffff });
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.oneof(int64, fc.constantFrom(0n, -1n, 300n, 2n ** 32n));
    default:
      return fc.oneof(uint64, fc.constantFrom(0n, 1n, 2n ** 32n - 1n));
  }
}

function fieldValue(f: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (f.fieldKind) {
    case 'scalar':
      return scalar(f.scalar);
    case 'enum':
      return fc.oneof(fc.constantFrom(...f.enum.values.map((v) => v.number)), fc.integer({ min: -5, max: 50 }));
    case 'message':
      return messageInit(f.message, depth + 1);
    case 'list':
      if (f.listKind === 'message') return fc.array(messageInit(f.message, depth + 1), { maxLength: depth > 2 ? 0 : 3 });
      return fc.array(f.listKind === 'enum' ? fc.integer({ min: -3, max: 9 }) : scalar(f.scalar!), { maxLength: 5 });
    case 'map': {
      const value =
        f.mapKind === 'message'
          ? messageInit(f.message, depth + 1)
          : f.mapKind === 'enum'
            ? fc.integer({ min: 0, max: 9 })
            : scalar(f.scalar!);
      return fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: depth > 2 ? 0 : 3 });
    }
  }
}

export function messageInit(schema: DescMessage, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const plain: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of schema.fields) {
    if (f.oneof || (depth > 3 && (f.fieldKind === 'message' || f.fieldKind === 'list' || f.fieldKind === 'map'))) continue;
    plain[f.localName] = fieldValue(f, depth);
  }
  const oneofs: Record<string, fc.Arbitrary<unknown>> = {};
  for (const o of schema.oneofs) {
    const members = o.fields.filter((f) => depth <= 3 || f.fieldKind !== 'message');
    oneofs[o.localName] = fc.oneof(
      fc.constant({ case: undefined }),
      ...members.map((f) => fieldValue(f, depth).map((value) => ({ case: f.localName, value }))),
    );
  }
  return fc.record({ ...plain, ...oneofs }, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
}
