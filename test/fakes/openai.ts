// A fake OpenAI (and OpenRouter) upstream speaking the chat-completions wire format byte for
// byte (provider-wire.md §1, §5). One server serves many tests: the scenario is chosen by the
// request's `x-fake-scenario` header, else by its model name. Models named `recorded:<file>`
// replay a recorded .bin stream from shared/fixtures/openai; `arrange()` renders the generic
// conformance scenarios; `script()` registers any custom Plan.
import { readFileSync } from 'node:fs';
import { HttpFake, type Plan, type RecordedRequest } from './http-fake.js';
import type { ConformanceFake, ConformanceScenario } from '../providers/conformance.js';

export const FIXTURES = new URL('../../../shared/fixtures/openai/', import.meta.url);

export interface OpenAiFakeOptions {
  /** 'openrouter': gen- ids, provider field, usage with cost on a one-choice chunk, comment keep-alives, OpenRouter error shapes. */
  flavor?: 'openai' | 'openrouter';
  /** Frame events with CRLF instead of LF. */
  crlf?: boolean;
  /** Write sizes for every stream unless a scenario says otherwise. */
  chunkSizes?: number[];
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': 'req_fake' };
const JSON_HEADERS = { 'content-type': 'application/json' };

export class OpenAiFake implements ConformanceFake {
  readonly http: HttpFake;
  readonly #scripts = new Map<string, (req: RecordedRequest) => Plan>();
  #seq = 0;

  constructor(readonly options: OpenAiFakeOptions = {}) {
    this.http = new HttpFake((req) => this.#route(req));
  }

  get requests(): RecordedRequest[] {
    return this.http.requests;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  async closed(): Promise<void> {
    await this.http.last?.closed;
  }

  /** Registers a scenario under a name (= the model to call); returns the name. */
  script(name: string, plan: Plan | ((req: RecordedRequest) => Plan)): string {
    this.#scripts.set(name, typeof plan === 'function' ? plan : () => plan);
    return name;
  }

  arrange(s: ConformanceScenario, opts: { chunkSizes?: number[] } = {}): string {
    const plan = this.render(s);
    const chunkSizes = opts.chunkSizes ?? this.options.chunkSizes;
    if (chunkSizes && plan.status === 200) plan.chunkSizes = chunkSizes;
    return this.script(`scenario-${++this.#seq}-${s.type}`, plan);
  }

  /** An SSE body from `data:` payloads, in this fake's framing (LF or CRLF, keep-alive comments). */
  sse(payloads: (string | object)[], opts: { done?: boolean } = {}): string {
    const nl = this.options.crlf ? '\r\n' : '\n';
    const or = this.options.flavor === 'openrouter';
    let out = or ? `: OPENROUTER PROCESSING${nl}${nl}` : '';
    payloads.forEach((p, i) => {
      out += `data: ${typeof p === 'string' ? p : JSON.stringify(p)}${nl}${nl}`;
      if (or && i === 0) out += `: OPENROUTER PROCESSING${nl}${nl}`;
    });
    if (opts.done !== false) out += `data: [DONE]${nl}${nl}`;
    return out;
  }

  chunk(choice: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const or = this.options.flavor === 'openrouter';
    const choices = choice
      ? [
          {
            index: 0,
            ...(or ? { native_finish_reason: choice.finish_reason ?? null } : {}),
            logprobs: null,
            finish_reason: null,
            ...choice,
          },
        ]
      : [];
    return or
      ? {
          id: 'gen-1767661749-Fake',
          provider: 'OpenAI',
          model: 'openai/gpt-4o',
          object: 'chat.completion.chunk',
          created: 1767661749,
          choices,
          ...extra,
        }
      : {
          id: 'chatcmpl-Fake',
          object: 'chat.completion.chunk',
          created: 1755137921,
          model: 'gpt-5-nano-2025-08-07',
          service_tier: 'default',
          system_fingerprint: null,
          choices,
          usage: null,
          ...extra,
        };
  }

  usageChunk(usage: Record<string, unknown>): Record<string, unknown> {
    // OpenRouter's observed form: the usage rides on a one-choice chunk with an empty delta.
    return this.options.flavor === 'openrouter'
      ? this.chunk({ delta: { role: 'assistant', content: '' } }, { usage })
      : this.chunk(undefined, { usage });
  }

  errorBody(status: number, message: string, code: string | null): object {
    return this.options.flavor === 'openrouter'
      ? { error: { code: status, message } }
      : { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code } };
  }

  render(s: ConformanceScenario): Plan {
    const stream = (body: string, extra: Partial<Plan> = {}): Plan => ({ status: 200, headers: SSE_HEADERS, body, ...extra });
    const role = this.chunk({ delta: { role: 'assistant', content: '', refusal: null } });
    const pieces = (t: string): object[] => splitText(t).map((p) => this.chunk({ delta: { content: p } }));
    switch (s.type) {
      case 'text':
        return stream(
          this.sse([
            role,
            ...pieces(s.text),
            this.chunk({ delta: {}, finish_reason: 'stop' }),
            this.usageChunk({
              prompt_tokens: s.usage.inputTokens,
              completion_tokens: s.usage.outputTokens,
              total_tokens: s.usage.inputTokens + s.usage.outputTokens,
            }),
          ]),
        );
      case 'tool_calls': {
        const frags: object[] = [this.chunk({ delta: { role: 'assistant', content: null, refusal: null } })];
        s.calls.forEach((c, index) => {
          frags.push(
            this.chunk({ delta: { tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] } }),
          );
          const mid = Math.ceil(c.argumentsJson.length / 2);
          for (const a of [c.argumentsJson.slice(0, mid), c.argumentsJson.slice(mid)]) {
            frags.push(this.chunk({ delta: { tool_calls: [{ index, function: { arguments: a } }] } }));
          }
        });
        frags.push(this.chunk({ delta: {}, finish_reason: 'tool_calls' }));
        frags.push(this.usageChunk({ prompt_tokens: 44, completion_tokens: 16, total_tokens: 60 }));
        return stream(this.sse(frags));
      }
      case 'http_error': {
        const codes: Record<number, string | null> = { 401: 'invalid_api_key', 404: 'model_not_found', 429: 'rate_limit_exceeded' };
        const headers: Record<string, string> = { ...JSON_HEADERS };
        if (s.retryAfterSeconds !== undefined) headers['retry-after'] = String(s.retryAfterSeconds);
        return { status: s.status, headers, body: JSON.stringify(this.errorBody(s.status, s.message, codes[s.status] ?? null), null, 4) };
      }
      case 'stream_error': {
        const err =
          this.options.flavor === 'openrouter'
            ? this.chunk(
                { delta: { content: '' }, finish_reason: 'error' },
                { error: { code: 502, message: s.message, metadata: { error_type: 'server' } } },
              )
            : { error: { message: s.message, type: 'server_error', param: null, code: null } };
        return stream(this.sse([role, ...pieces(s.text), err], { done: false }));
      }
      case 'reset': {
        const body = this.sse([role, ...pieces(s.text), this.chunk({ delta: {}, finish_reason: 'stop' })]);
        // Cut inside the pieces, before the finish chunk.
        return stream(body, { resetAfterBytes: Math.floor(body.indexOf('"finish_reason":"stop"') / 2) });
      }
      case 'slow_headers':
        return stream(this.sse([role, this.chunk({ delta: {}, finish_reason: 'stop' })]), { firstByteDelayMs: s.delayMs });
      case 'malformed':
        return stream(
          this.sse([
            role,
            '{"id":"chatcmpl-Fake","choices":[{"index":0,"delta":{"content":"x"',
            this.chunk({ delta: {}, finish_reason: 'stop' }),
          ]),
        );
      case 'empty':
        return stream('');
      case 'hang':
        return stream(this.sse([role, ...pieces(s.text)], { done: false }), { hang: true });
      case 'cut_after_terminal': {
        // finish_reason and the usage chunk, then no [DONE]: the body ends or is reset.
        const body = this.sse(
          [
            role,
            ...pieces(s.text),
            this.chunk({ delta: {}, finish_reason: 'stop' }),
            this.usageChunk({
              prompt_tokens: s.usage.inputTokens,
              completion_tokens: s.usage.outputTokens,
              total_tokens: s.usage.inputTokens + s.usage.outputTokens,
            }),
          ],
          { done: false },
        );
        return stream(body, s.cut === 'reset' ? { resetAfterBytes: Buffer.byteLength(body) } : {});
      }
      case 'cut_before_terminal': {
        const body = this.sse([role, ...pieces(s.text)], { done: false });
        return stream(body, s.cut === 'reset' ? { resetAfterBytes: Buffer.byteLength(body) } : {});
      }
    }
  }

  #route(req: RecordedRequest): Plan {
    const path = req.path.split('?')[0] ?? '';
    const body = (req.body ?? {}) as { model?: string; input?: string[] | string; dimensions?: number };
    if (req.method === 'GET' && path.endsWith('/models')) {
      return {
        status: 200,
        headers: JSON_HEADERS,
        body: JSON.stringify({
          object: 'list',
          data: [
            { id: 'gpt-4o', object: 'model', created: 1, owned_by: 'system' },
            { id: 'text-embedding-3-small', object: 'model', created: 2, owned_by: 'system' },
          ],
        }),
      };
    }
    const name = String(req.headers['x-fake-scenario'] ?? body.model ?? '');
    const scripted = this.#scripts.get(name);
    if (scripted) return scripted(req);
    if (path.endsWith('/embeddings')) return embeddings(body);
    if (path.endsWith('/chat/completions') && name.startsWith('recorded:')) {
      const bytes = readFileSync(new URL(name.slice('recorded:'.length), FIXTURES));
      return {
        status: 200,
        headers: SSE_HEADERS,
        body: bytes,
        ...(this.options.chunkSizes ? { chunkSizes: this.options.chunkSizes } : {}),
      };
    }
    return {
      status: 404,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(
        this.errorBody(404, `The model \`${name}\` does not exist or you do not have access to it.`, 'model_not_found'),
        null,
        4,
      ),
    };
  }
}

/** Splits text into small pieces on code-point boundaries, as a model's tokens would. */
export function splitText(text: string): string[] {
  const cps = [...text];
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += 3) out.push(cps.slice(i, i + 3).join(''));
  return out;
}

/** Deterministic vectors, returned in REVERSE index order: clients must sort by `index`. */
function embeddings(body: { model?: string; input?: string[] | string; dimensions?: number }): Plan {
  const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
  const dims = body.dimensions ?? 3;
  const data = inputs
    .map((text, index) => ({ object: 'embedding', index, embedding: Array.from({ length: dims }, (_, d) => (text.length + d) / 100) }))
    .reverse();
  const tokens = inputs.reduce((n, t) => n + t.split(/\s+/).length, 0);
  return {
    status: 200,
    headers: JSON_HEADERS,
    body: JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }),
  };
}
