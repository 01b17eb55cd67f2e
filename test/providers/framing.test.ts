// SSE and NDJSON decoding at every byte split, and the shared HTTP helpers' pure parts.
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/providers/errors.js';
import { ndjsonBatches, ndjsonValues } from '../../src/providers/framing/ndjson.js';
import { sseMessages, type SseMessage } from '../../src/providers/framing/sse.js';
import { Utf8StreamDecoder } from '../../src/providers/framing/utf8.js';
import fc from 'fast-check';
import { classifyHttpError, parseRetryAfterMs } from '../../src/providers/http.js';

async function* pieces(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let last = 0;
  for (const c of [...cuts, bytes.length]) {
    yield bytes.subarray(last, c);
    last = c;
  }
}
async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const EXPECTED: SseMessage[] = [
  { event: undefined, data: '{"t":"héllo 世界 👋"}', id: undefined },
  { event: 'message_delta', data: 'line1\nline2', id: '7' },
  { event: undefined, data: '[DONE]', id: undefined },
];

describe('sseMessages', () => {
  for (const [name, nl] of [
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ] as const) {
    it(`decodes ${name} framing with comments at every single split point and every pair`, async () => {
      const text = [
        ': OPENROUTER PROCESSING',
        '',
        'data: {"t":"héllo 世界 👋"}',
        '',
        ':keep-alive',
        'event: message_delta',
        'id: 7',
        'data: line1',
        'data: line2',
        '',
        'data: [DONE]',
        '',
        '',
      ].join(nl);
      const bytes = new TextEncoder().encode(text);
      for (let a = 0; a <= bytes.length; a++) {
        expect(await all(sseMessages(pieces(bytes, [a])))).toEqual(EXPECTED);
      }
      for (let a = 0; a <= bytes.length; a += 3) {
        for (let b = a; b <= bytes.length; b += 5) expect(await all(sseMessages(pieces(bytes, [a, b])))).toEqual(EXPECTED);
      }
    });
  }

  it('drops an unterminated trailing event; surfaces llama.cpp `error:` fields', async () => {
    const bytes = new TextEncoder().encode('data: a\n\nerror: {"code":400,"message":"ctx"}\n\ndata: partial');
    expect(await all(sseMessages(pieces(bytes, [])))).toEqual([
      { event: undefined, data: 'a', id: undefined },
      { event: 'error', data: '{"code":400,"message":"ctx"}', id: undefined },
    ]);
  });
});

describe('ndjsonValues', () => {
  it('parses lines at every split, CRLF, blank lines, last line without newline', async () => {
    const bytes = new TextEncoder().encode('{"a":"ü 世"}\r\n\n{"b":2}\n{"c":[1]}');
    for (let a = 0; a <= bytes.length; a++) {
      expect(await all(ndjsonValues(pieces(bytes, [a])))).toEqual([{ a: 'ü 世' }, { b: 2 }, { c: [1] }]);
    }
  });

  it('a malformed line → stream_interrupted', async () => {
    const err = await all(ndjsonValues(pieces(new TextEncoder().encode('{"a":1}\n{"b":\n'), []))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('stream_interrupted');
  });
});

describe('ndjsonBatches', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

  it('one array per read: the lines each read completes, reads completing none skipped', async () => {
    // Read 1 completes two lines and starts a third; read 2 (inside "世") completes none;
    // read 3 completes the third; the unterminated last line comes at the end.
    const bytes = enc('{"a":1}\n{"b":2}\n{"c":"世界"}\n{"d":4}');
    const cut1 = bytes.indexOf(0x7b, 10) + 3;
    const cut2 = bytes.indexOf(0xe4) + 1;
    expect(await all(ndjsonBatches(pieces(bytes, [cut1, cut2])))).toEqual([[{ a: 1 }, { b: 2 }], [{ c: '世界' }], [{ d: 4 }]]);
  });

  it('flattens to ndjsonValues at every split', async () => {
    const bytes = enc('{"a":"ü 世"}\r\n\n{"b":2}\n{"c":[1]}\n');
    for (let a = 0; a <= bytes.length; a++) {
      const batches = await all(ndjsonBatches(pieces(bytes, [a])));
      expect(batches.every((b) => b.length > 0)).toBe(true);
      expect(batches.flat()).toEqual(await all(ndjsonValues(pieces(bytes, [a]))));
    }
  });

  it('yields the values before a malformed line, then throws', async () => {
    const seen: unknown[][] = [];
    const err = await (async () => {
      for await (const b of ndjsonBatches(pieces(enc('{"a":1}\n{"b":2}\n{"c":\n{"d":4}\n'), []))) seen.push(b);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([[{ a: 1 }, { b: 2 }]]);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('stream_interrupted');
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-08-21T10:00:00Z');
  it('reads each header form', () => {
    expect(parseRetryAfterMs({ 'retry-after': '7' }, now)).toBe(7000);
    expect(parseRetryAfterMs({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(parseRetryAfterMs({ 'retry-after': 'Thu, 21 Aug 2025 10:00:30 GMT' }, now)).toBe(30_000);
    expect(parseRetryAfterMs({ 'retry-after-ms': '120.5', 'retry-after': '9' }, now)).toBe(121);
    expect(parseRetryAfterMs({ 'x-ratelimit-reset-requests': '6m0s', 'x-ratelimit-reset-tokens': '20ms' }, now)).toBe(20);
    expect(parseRetryAfterMs({ 'x-ratelimit-reset-requests': '1.146s' }, now)).toBe(1146);
    expect(parseRetryAfterMs({ 'anthropic-ratelimit-tokens-reset': '2025-08-21T10:00:05Z' }, now)).toBe(5000);
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
  });
  it('prefers the exhausted limit over the earliest reset', () => {
    const h = {
      'x-ratelimit-reset-requests': '12ms',
      'x-ratelimit-reset-tokens': '6m0s',
      'x-ratelimit-remaining-requests': '4999',
      'x-ratelimit-remaining-tokens': '0',
    };
    expect(parseRetryAfterMs(h, now)).toBe(360_000);
  });
});

describe('classifyHttpError', () => {
  it('maps statuses', () => {
    const kinds = [400, 401, 403, 404, 408, 413, 429, 500, 502, 503, 529].map((s) => classifyHttpError(s, {}, 'm', 'p').kind);
    expect(kinds).toEqual([
      'bad_request',
      'auth',
      'auth',
      'not_found',
      'timeout',
      'context_length_exceeded',
      'rate_limited',
      'server_error',
      'server_error',
      'overloaded',
      'overloaded',
    ]);
    expect(classifyHttpError(400, {}, "This model's maximum context length is 8192 tokens", 'p').kind).toBe('context_length_exceeded');
    expect(classifyHttpError(429, { 'retry-after': '2' }, 'slow down', 'p', 'rate_limit_exceeded')).toMatchObject({
      message: 'slow down',
      details: { status: 429, retryAfterMs: 2000, upstreamCode: 'rate_limit_exceeded', provider: 'p' },
    });
  });
});

describe('Utf8StreamDecoder', () => {
  it('gives the text a streaming TextDecoder gives, for any bytes split anywhere', () => {
    const byte = fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(0xef, 0xbb, 0xbf, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0xe2, 0x82, 0x41),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(byte, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 4 }), (bom, bytes, cuts) => {
        const buf = Uint8Array.from(bom ? [0xef, 0xbb, 0xbf, ...bytes] : bytes); // a byte order mark first: dropped once
        const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
        const parts: Uint8Array[] = [];
        let last = 0;
        for (const p of [...points, buf.length]) {
          parts.push(buf.subarray(last, p));
          last = p;
        }
        const td = new TextDecoder('utf-8');
        const ours = new Utf8StreamDecoder();
        let expected = '';
        let got = '';
        for (const p of parts) {
          expected += td.decode(p, { stream: true });
          got += ours.write(p);
        }
        expect(got + ours.end()).toBe(expected + td.decode());
      }),
      { numRuns: 20_000 },
    );
  });
});
