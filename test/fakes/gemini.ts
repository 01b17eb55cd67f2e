// A fake Gemini API (generativelanguage v1beta) speaking the real wire format: SSE frames
// `data: <json>\r\n\r\n` with the protobuf JSON printer's `": "` spacing, no event names and no
// [DONE]; errors as pretty-printed google.rpc.Status JSON. See shared/provider-wire.md §3.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ConformanceFake, ConformanceScenario } from '../providers/conformance.js';
import { HttpFake, startQueuedFake, type Plan, type QueuedFake, type RecordedRequest } from './http-fake.js';

type Reply = Plan;

export const GEMINI_FIXTURES = join(import.meta.dirname, '../../../shared/fixtures/gemini');

/** Serializes like Google's protobuf JSON printer in streams: `{"a": 1,"b": [2,3]}`. */
export function protoJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(protoJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${JSON.stringify(k)}: ${protoJson(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const STREAM_HEADERS = {
  'content-type': 'text/event-stream',
  'content-disposition': 'attachment',
  server: 'scaffolding on HTTPServer2',
  vary: 'Origin, X-Origin, Referer',
};
const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8', server: 'scaffolding on HTTPServer2' };

/** SSE body of the given response objects; CRLF framing as the live API sends. */
export function sseBody(chunks: unknown[], eol = '\r\n'): string {
  return chunks.map((c) => `data: ${protoJson(c)}${eol}${eol}`).join('');
}

export function streamReply(chunks: unknown[], opts: { eol?: string } & Partial<Reply> = {}): Reply {
  const { eol, ...rest } = opts;
  return { status: 200, headers: STREAM_HEADERS, body: sseBody(chunks, eol), ...rest };
}

export function statusBody(code: number, status: string, message: string, details?: unknown[]): unknown {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

export function errorReply(code: number, status: string, message: string, details?: unknown[]): Reply {
  return { status: code, headers: JSON_HEADERS, body: JSON.stringify(statusBody(code, status, message, details), null, 2) };
}

/** A recorded interaction: request body and the SSE `data:` payloads of its response. */
export interface GeminiRecording {
  file: string;
  url: string;
  request: Record<string, unknown>;
  status: number;
  chunks: Record<string, unknown>[];
}

export function loadGeminiRecordings(): GeminiRecording[] {
  const out: GeminiRecording[] = [];
  for (const file of readdirSync(GEMINI_FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const rec = JSON.parse(readFileSync(join(GEMINI_FIXTURES, file), 'utf8')) as {
      interactions: {
        request: { url: string; bodySegments: Record<string, unknown>[] };
        response: { statusCode: number; bodySegments: Record<string, unknown>[] };
      }[];
    };
    for (const i of rec.interactions) {
      out.push({
        file,
        url: i.request.url,
        request: i.request.bodySegments[0] ?? {},
        status: i.response.statusCode,
        chunks: i.response.bodySegments,
      });
    }
  }
  return out;
}

// ---- generated scenarios ---------------------------------------------------------------

const usage = (prompt: number, out?: number, extra: Record<string, number> = {}): Record<string, number> => ({
  promptTokenCount: prompt,
  ...(out !== undefined ? { candidatesTokenCount: out } : {}),
  totalTokenCount: prompt + (out ?? 0) + (extra['thoughtsTokenCount'] ?? 0),
  ...extra,
});

export const geminiChunks = {
  text(pieces: string[], finishReason = 'STOP'): Record<string, unknown>[] {
    return pieces.map((text, i) => ({
      candidates: [
        { content: { parts: [{ text }], role: 'model' }, ...(i === pieces.length - 1 ? { finishReason, index: 0 } : { index: 0 }) },
      ],
      usageMetadata: i === pieces.length - 1 ? usage(8, pieces.length) : usage(8),
      modelVersion: 'gemini-2.5-flash',
      responseId: 'resp-text-1',
    }));
  },
  /** Two whole function calls in one chunk (how Gemini sends parallel calls). */
  twoCalls(): Record<string, unknown>[] {
    return [
      {
        candidates: [
          {
            content: {
              parts: [
                { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
                { functionCall: { name: 'get_weather', args: { city: 'Tōkyō' } } },
              ],
              role: 'model',
            },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: usage(40, 12),
        modelVersion: 'gemini-2.5-flash',
        responseId: 'resp-calls-1',
      },
    ];
  },
  thinking(): Record<string, unknown>[] {
    return [
      {
        candidates: [{ content: { parts: [{ text: 'Let me think…', thought: true }], role: 'model' }, index: 0 }],
        usageMetadata: usage(5),
      },
      {
        candidates: [{ content: { parts: [{ text: 'Done: 42 ✓' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: usage(5, 4, { thoughtsTokenCount: 20, cachedContentTokenCount: 2 }),
      },
    ];
  },
};

export const geminiErrors = {
  badRequest: (): Reply => errorReply(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unknown name "foo": Cannot find field.'),
  badKey: (): Reply =>
    errorReply(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
    ]),
  unauthenticated: (): Reply => errorReply(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'),
  permissionDenied: (): Reply =>
    errorReply(
      403,
      'PERMISSION_DENIED',
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    ),
  notFound: (model = 'gemini-9'): Reply =>
    errorReply(
      404,
      'NOT_FOUND',
      `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
    ),
  rateLimited: (retryDelay = '13s'): Reply =>
    errorReply(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
            quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
          },
        ],
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay },
    ]),
  internal: (): Reply =>
    errorReply(
      500,
      'INTERNAL',
      'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
    ),
  overloaded: (): Reply => errorReply(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
  contextLength: (): Reply =>
    errorReply(400, 'INVALID_ARGUMENT', 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).'),
  /** Some text, then a bare Status JSON (no `data:`), as the SDK's in-stream error check expects. */
  inStream: (): Reply => ({
    status: 200,
    headers: STREAM_HEADERS,
    body: sseBody(geminiChunks.text(['Hel', 'lo']).slice(0, 1)) + JSON.stringify(statusBody(500, 'INTERNAL', 'Internal error')),
  }),
};

// ---- the server ------------------------------------------------------------------------

function vectorFor(text: string, dims = 8): number[] {
  // Deterministic per text so tests can check order.
  let h = 0;
  for (const ch of text) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 10_007;
  return Array.from({ length: dims }, (_, i) => Number(((h + i) / 10_007).toFixed(6)));
}
export const geminiVector = vectorFor;

/** Default behaviour when nothing is queued: a short text stream, embeddings, a model list; key checks as the API does. */
function fallback(req: RecordedRequest): Reply {
  const url = new URL(req.path, 'http://x');
  const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key');
  if (!key) return geminiErrors.permissionDenied();
  if (key === 'bad-key') return geminiErrors.badKey();
  const m = /^\/v1beta\/(models\/[^:]+|tunedModels\/[^:]+):(\w+)$/.exec(url.pathname);
  if (req.method === 'GET' && url.pathname === '/v1beta/models') {
    return {
      status: 200,
      headers: JSON_HEADERS,
      body: JSON.stringify(
        {
          models: [
            {
              name: 'models/gemini-2.5-flash',
              displayName: 'Gemini 2.5 Flash',
              inputTokenLimit: 1048576,
              outputTokenLimit: 65536,
              supportedGenerationMethods: ['generateContent', 'countTokens'],
            },
            { name: 'models/text-embedding-004', displayName: 'Text Embedding 004', supportedGenerationMethods: ['embedContent'] },
          ],
        },
        null,
        2,
      ),
    };
  }
  if (!m || req.method !== 'POST') return errorReply(404, 'NOT_FOUND', `Method not found: ${url.pathname}`);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const dims = typeof body['outputDimensionality'] === 'number' ? body['outputDimensionality'] : 8;
  const textOf = (r: Record<string, unknown>): string => (r['content'] as { parts: { text: string }[] }).parts[0]?.text ?? '';
  switch (m[2]) {
    case 'streamGenerateContent':
      if (url.searchParams.get('alt') !== 'sse') return errorReply(400, 'INVALID_ARGUMENT', 'fake supports alt=sse only');
      return streamReply(geminiChunks.text(['Hello', ', world', '!']));
    case 'generateContent':
      return {
        status: 200,
        headers: JSON_HEADERS,
        body: JSON.stringify(
          {
            candidates: [{ content: { parts: [{ text: 'Hello, world!' }], role: 'model' }, finishReason: 'STOP' }],
            usageMetadata: usage(5, 4),
          },
          null,
          2,
        ),
      };
    case 'embedContent':
      return { status: 200, headers: JSON_HEADERS, body: JSON.stringify({ embedding: { values: vectorFor(textOf(body), dims) } }) };
    case 'batchEmbedContents': {
      const requests = (body['requests'] ?? []) as Record<string, unknown>[];
      if (requests.length > 100)
        return errorReply(400, 'INVALID_ARGUMENT', '* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch');
      const embeddings = requests.map((r) => ({
        values: vectorFor(textOf(r), typeof r['outputDimensionality'] === 'number' ? r['outputDimensionality'] : 8),
      }));
      return { status: 200, headers: JSON_HEADERS, body: JSON.stringify({ embeddings }) };
    }
    default:
      return errorReply(404, 'NOT_FOUND', `Method not found: ${m[2]}`);
  }
}

export type FakeGemini = QueuedFake;

export function startFakeGemini(): Promise<FakeGemini> {
  return startQueuedFake(fallback);
}

// ---- the shared conformance suite's view of this fake ----------------------------------

const CANONICAL: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Splits text into three pieces by code point, so JSON stays valid while bytes are split elsewhere. */
function pieces(text: string): string[] {
  const cps = [...text];
  const n = Math.ceil(cps.length / 3);
  return [cps.slice(0, n), cps.slice(n, 2 * n), cps.slice(2 * n)].map((p) => p.join('')).filter((p) => p !== '');
}

export function geminiConformancePlan(s: ConformanceScenario): Plan {
  switch (s.type) {
    case 'text': {
      const chunks = geminiChunks.text(pieces(s.text));
      const last = chunks[chunks.length - 1]!;
      last['usageMetadata'] = usage(s.usage.inputTokens, s.usage.outputTokens);
      return streamReply(chunks);
    }
    case 'tool_calls':
      return streamReply([
        {
          candidates: [
            {
              content: {
                parts: s.calls.map((c) => ({ functionCall: { id: c.id, name: c.name, args: JSON.parse(c.argumentsJson) as unknown } })),
                role: 'model',
              },
              finishReason: 'STOP',
              index: 0,
            },
          ],
          usageMetadata: usage(30, 20),
        },
      ]);
    case 'http_error': {
      const details =
        s.retryAfterSeconds !== undefined
          ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${s.retryAfterSeconds}s` }]
          : undefined;
      return errorReply(s.status, CANONICAL[s.status] ?? 'UNKNOWN', s.message, details);
    }
    case 'stream_error':
      return {
        status: 200,
        headers: STREAM_HEADERS,
        body: sseBody(geminiChunks.text([s.text, 'never sent']).slice(0, 1)) + JSON.stringify(statusBody(500, 'INTERNAL', s.message)),
      };
    case 'reset': {
      const body = sseBody(geminiChunks.text([s.text, ' and more', ' and the end']));
      return { status: 200, headers: STREAM_HEADERS, body, resetAfterBytes: Math.floor(Buffer.byteLength(body) * 0.6) };
    }
    case 'slow_headers':
      return { ...streamReply(geminiChunks.text(['late'])), firstByteDelayMs: s.delayMs };
    case 'malformed':
      return {
        status: 200,
        headers: STREAM_HEADERS,
        body: sseBody(geminiChunks.text(['ok']).slice(0, 1)) + 'data: {"candidates": [{"content": \r\n\r\n',
      };
    case 'empty':
      return { status: 200, headers: STREAM_HEADERS, body: '' };
    case 'hang':
      return { status: 200, headers: STREAM_HEADERS, body: sseBody(geminiChunks.text([s.text, 'x']).slice(0, 1)), hang: true };
    case 'cut_after_terminal': {
      // Gemini has no closing marker: the last chunk (finishReason + final usageMetadata) is the
      // terminal information, whole with its blank line; then the body ends, or is reset.
      const chunks = geminiChunks.text(pieces(s.text));
      chunks[chunks.length - 1]!['usageMetadata'] = usage(s.usage.inputTokens, s.usage.outputTokens);
      const body = sseBody(chunks);
      return { status: 200, headers: STREAM_HEADERS, body, ...(s.cut === 'reset' ? { resetAfterBytes: Buffer.byteLength(body) } : {}) };
    }
    case 'cut_before_terminal': {
      // The chunks before the last one: text and prompt-only usage, no finishReason.
      const body = sseBody(geminiChunks.text([...pieces(s.text), '']).slice(0, -1));
      return { status: 200, headers: STREAM_HEADERS, body, ...(s.cut === 'reset' ? { resetAfterBytes: Buffer.byteLength(body) } : {}) };
    }
  }
}

export function geminiConformanceFake(): ConformanceFake {
  const queue: Plan[] = [];
  const fake = new HttpFake((req) => queue.shift() ?? fallback(req));
  return {
    start: () => fake.start(),
    stop: () => fake.stop(),
    arrange(scenario, opts) {
      const plan = geminiConformancePlan(scenario);
      queue.push(opts?.chunkSizes ? { ...plan, chunkSizes: opts.chunkSizes } : plan);
      return 'gemini-2.5-flash';
    },
    closed: () => fake.last?.closed ?? Promise.resolve(),
  };
}
