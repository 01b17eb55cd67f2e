// A fake Ollama server (native API) speaking the real wire format: NDJSON lines of compact JSON
// (Go encoding/json), `application/x-ndjson`, the last line `"done":true` with the counters;
// errors `{"error":"…"}`; an in-stream error is one more line, then the end. See
// shared/provider-wire.md §4.
import type { ConformanceFake, ConformanceScenario } from '../providers/conformance.js';
import { HttpFake, startQueuedFake, type Plan, type QueuedFake, type RecordedRequest } from './http-fake.js';

const NDJSON = { 'content-type': 'application/x-ndjson' };
const JSON_H = { 'content-type': 'application/json; charset=utf-8' };

export const PULLED = ['llama3.2:latest', 'qwen3:8b', 'all-minilm:latest'];

const CREATED = '2025-06-20T14:35:16.953867442Z';

/** Go's encoding/json: compact, and <, >, & escaped as \u003c, \u003e, \u0026. */
export function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export function ndjson(lines: unknown[]): string {
  return lines.map((l) => `${goJson(l)}\n`).join('');
}

export function ollamaErrorReply(status: number, error: string, headers: Record<string, string> = {}): Plan {
  return { status, headers: { ...JSON_H, ...headers }, body: JSON.stringify({ error }) };
}

export const ollamaLines = {
  content(model: string, content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { model, created_at: CREATED, message: { role: 'assistant', content, ...extra }, done: false };
  },
  done(model: string, promptEval: number, evalCount: number, reason = 'stop'): Record<string, unknown> {
    return {
      model,
      created_at: CREATED,
      message: { role: 'assistant', content: '' },
      done_reason: reason,
      done: true,
      total_duration: 308102623,
      load_duration: 14689647,
      prompt_eval_count: promptEval,
      prompt_eval_duration: 18165665,
      eval_count: evalCount,
      eval_duration: 272560072,
    };
  },
  text(model: string, pieces: string[], usage = { input: 30, output: 10 }, reason = 'stop'): Record<string, unknown>[] {
    return [...pieces.map((p) => ollamaLines.content(model, p)), ollamaLines.done(model, usage.input, usage.output, reason)];
  },
  /** Two calls whole in one line, the way the docs show (no ids: older servers). */
  twoCalls(model: string): Record<string, unknown>[] {
    return [
      ollamaLines.content(model, '', {
        tool_calls: [
          { function: { name: 'get_weather', arguments: { city: 'Tokyo' } } },
          { function: { name: 'get_time', arguments: { tz: 'Asia/Tokyo' } } },
        ],
      }),
      ollamaLines.done(model, 169, 15),
    ];
  },
  thinking(model: string): Record<string, unknown>[] {
    return [
      ollamaLines.content(model, '', { thinking: 'Hmm, ' }),
      ollamaLines.content(model, '', { thinking: 'the user says hi.' }),
      ollamaLines.content(model, 'Hello 👋'),
      ollamaLines.done(model, 12, 9),
    ];
  },
};

export function streamPlan(lines: unknown[], extra: Partial<Plan> = {}): Plan {
  return { status: 200, headers: NDJSON, body: ndjson(lines), ...extra };
}

function vectorFor(text: string, dims = 6): number[] {
  let h = 0;
  for (const ch of text) h = (h * 33 + (ch.codePointAt(0) ?? 0)) % 9_973;
  return Array.from({ length: dims }, (_, i) => Number(((h + i * 7) / 9_973).toFixed(7)));
}
export const ollamaVector = vectorFor;

const resolve = (name: string): string | undefined => PULLED.find((m) => m === name || m === `${name}:latest`);

function fallback(req: RecordedRequest): Plan {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const model = String(body['model'] ?? body['name'] ?? '');
  if (req.method === 'GET' && req.path === '/api/tags') {
    return {
      status: 200,
      headers: JSON_H,
      body: JSON.stringify({
        models: PULLED.map((name) => ({
          name,
          model: name,
          modified_at: '2025-05-04T17:37:44.706015396-07:00',
          size: 2019393189,
          digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
          details: {
            parent_model: '',
            format: 'gguf',
            family: 'llama',
            families: ['llama'],
            parameter_size: '3.2B',
            quantization_level: 'Q4_K_M',
          },
        })),
      }),
    };
  }
  if (req.method !== 'POST') return { status: 404, headers: { 'content-type': 'text/plain' }, body: '404 page not found' };
  if (!['/api/chat', '/api/embed', '/api/show'].includes(req.path))
    return { status: 404, headers: { 'content-type': 'text/plain' }, body: '404 page not found' };
  const found = resolve(model);
  if (!found) return ollamaErrorReply(404, `model '${model}' not found`);
  if (req.path === '/api/show') {
    const embedding = found.startsWith('all-minilm');
    return {
      status: 200,
      headers: JSON_H,
      body: JSON.stringify({
        modelfile: '# Modelfile generated by "ollama show"',
        parameters: 'stop "<|eot_id|>"',
        template: '{{ .Prompt }}',
        details: {
          parent_model: '',
          format: 'gguf',
          family: embedding ? 'bert' : 'llama',
          families: ['llama'],
          parameter_size: '3.2B',
          quantization_level: 'Q4_K_M',
        },
        model_info: {
          'general.architecture': embedding ? 'bert' : 'llama',
          [`${embedding ? 'bert' : 'llama'}.context_length`]: embedding ? 512 : 131072,
        },
        capabilities: embedding ? ['embedding'] : found.startsWith('qwen3') ? ['completion', 'tools', 'thinking'] : ['completion', 'tools'],
        modified_at: '2025-05-04T17:37:44.706015396-07:00',
      }),
    };
  }
  if (req.path === '/api/embed') {
    const input = body['input'];
    const inputs = Array.isArray(input) ? (input as string[]) : [String(input)];
    const dims = typeof body['dimensions'] === 'number' ? body['dimensions'] : 6;
    return {
      status: 200,
      headers: JSON_H,
      body: JSON.stringify({
        model: found,
        embeddings: inputs.map((t) => vectorFor(t, dims)),
        total_duration: 14143917,
        load_duration: 1019500,
        prompt_eval_count: inputs.length * 4,
      }),
    };
  }
  const lines = ollamaLines.text(found, ['Hello', ', world', '!']);
  if (body['stream'] === false) {
    const last = lines.at(-1)!;
    return { status: 200, headers: JSON_H, body: JSON.stringify({ ...last, message: { role: 'assistant', content: 'Hello, world!' } }) };
  }
  return streamPlan(lines);
}

export type FakeOllama = QueuedFake;

export function startFakeOllama(): Promise<FakeOllama> {
  return startQueuedFake(fallback);
}

// ---- conformance -----------------------------------------------------------------------

const M = 'llama3.2:latest';

function thirds(text: string): string[] {
  const cps = [...text];
  const n = Math.ceil(cps.length / 3);
  return [cps.slice(0, n), cps.slice(n, 2 * n), cps.slice(2 * n)].map((p) => p.join('')).filter((p) => p !== '');
}

export function ollamaConformancePlan(s: ConformanceScenario): Plan {
  switch (s.type) {
    case 'text':
      return streamPlan(ollamaLines.text(M, thirds(s.text), { input: s.usage.inputTokens, output: s.usage.outputTokens }));
    case 'tool_calls':
      return streamPlan([
        ollamaLines.content(M, '', {
          tool_calls: s.calls.map((c, index) => ({
            id: c.id,
            function: { index, name: c.name, arguments: JSON.parse(c.argumentsJson) as unknown },
          })),
        }),
        ollamaLines.done(M, 100, 20),
      ]);
    case 'http_error':
      // Ollama itself sends no Retry-After; a proxy or ollama.com in front of it may.
      return ollamaErrorReply(s.status, s.message, s.retryAfterSeconds !== undefined ? { 'retry-after': String(s.retryAfterSeconds) } : {});
    case 'stream_error':
      return streamPlan([ollamaLines.content(M, s.text), { error: s.message }]);
    case 'reset': {
      const body = ndjson(ollamaLines.text(M, [s.text, ' and more', ' and the end']));
      return { status: 200, headers: NDJSON, body, resetAfterBytes: Math.floor(Buffer.byteLength(body) * 0.6) };
    }
    case 'slow_headers':
      return streamPlan(ollamaLines.text(M, ['late']), { firstByteDelayMs: s.delayMs });
    case 'malformed':
      return {
        status: 200,
        headers: NDJSON,
        body: `${JSON.stringify(ollamaLines.content(M, 'ok'))}\n{"model":"${M}","message":{"role":\n`,
      };
    case 'empty':
      return { status: 200, headers: NDJSON, body: '' };
    case 'hang':
      return streamPlan([ollamaLines.content(M, s.text)], { hang: true });
    case 'cut_after_terminal': {
      // The done line (done_reason, eval counts) is the terminal information. 'eof': it lacks
      // its newline; 'reset': it is whole, and the connection is reset instead of ending.
      const body = ndjson(ollamaLines.text(M, thirds(s.text), { input: s.usage.inputTokens, output: s.usage.outputTokens }));
      return s.cut === 'eof'
        ? { status: 200, headers: NDJSON, body: body.slice(0, -1) }
        : { status: 200, headers: NDJSON, body, resetAfterBytes: Buffer.byteLength(body) };
    }
    case 'cut_before_terminal': {
      const body = ndjson(thirds(s.text).map((p) => ollamaLines.content(M, p)));
      return { status: 200, headers: NDJSON, body, ...(s.cut === 'reset' ? { resetAfterBytes: Buffer.byteLength(body) } : {}) };
    }
  }
}

export function ollamaConformanceFake(): ConformanceFake {
  const queue: Plan[] = [];
  const fake = new HttpFake((req) => queue.shift() ?? fallback(req));
  return {
    start: () => fake.start(),
    stop: () => fake.stop(),
    arrange(scenario, opts) {
      const plan = ollamaConformancePlan(scenario);
      queue.push(opts?.chunkSizes ? { ...plan, chunkSizes: opts.chunkSizes } : plan);
      return M;
    },
    closed: () => fake.last?.closed ?? Promise.resolve(),
  };
}
