// The compiled encoder must answer byte for byte what protobuf-es's toBinary answers, for every
// message of the contract, with random values of every field kind (property test).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { RouteResponseSchema } from '../../gen/switchyard/v1/router_pb.js';
import { binaryEncoder } from '../../src/server/binary-encoder.js';
import { messageInit, messages } from '../helpers/proto-arbitrary.js';

const reference = (schema: DescMessage, msg: unknown) => Buffer.from(toBinary(schema, msg as never, { writeUnknownFields: false }));

describe('compiled binary encoder', () => {
  it('covers the contract', () => {
    expect(messages.length).toBeGreaterThan(60);
  });

  for (const schema of messages) {
    it(`${schema.typeName}: the same bytes as toBinary`, () => {
      const encode = binaryEncoder(schema);
      fc.assert(
        fc.property(messageInit(schema, 0), (init) => {
          const msg = create(schema, init as never);
          expect(encode(msg).toString('hex')).toBe(reference(schema, msg).toString('hex'));
          // Impls may return init shapes (no prototype defaults, fields left out): same bytes.
          expect(encode(init).toString('hex')).toBe(reference(schema, msg).toString('hex'));
        }),
        { numRuns: 60 },
      );
    });
  }

  it('refuses what toBinary refuses, naming the field', () => {
    const encode = binaryEncoder(RouteResponseSchema);
    const bad = create(RouteResponseSchema, { candidates: [{ provider: 'p', model: 'm' }] });
    (bad.candidates[0] as unknown as Record<string, unknown>)['rank'] = 2 ** 40;
    expect(() => reference(RouteResponseSchema, bad)).toThrow();
    expect(() => encode(bad)).toThrow(/switchyard\.v1\.Candidate\.rank/);
  });
});
