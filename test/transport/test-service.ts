// A small RouterService impl for the transport tests: behaviour is chosen by request fields,
// and every Chat call records its lifecycle (keyed by request_id) so tests can observe that a
// cancel or deadline reached the impl.
import { fileURLToPath } from 'node:url';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { RouterService } from '../../gen/switchyard/v1/router_pb.js';
import { BadRequestSchema, ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';

export const PROTO_DIR = fileURLToPath(new URL('../../proto', import.meta.url));

export interface CallRecord {
  started: boolean;
  yielded: number;
  aborted: boolean;
  abortReason?: unknown;
  finallyRan: boolean;
}

export const records = new Map<string, CallRecord>();

function record(id: string, signal: AbortSignal): CallRecord {
  const r: CallRecord = { started: true, yielded: 0, aborted: false, finallyRan: false };
  records.set(id, r);
  signal.addEventListener('abort', () => {
    // The signal is also aborted on normal completion (Connect semantics); only count an
    // abort that happened while the call was still running.
    if (!r.finallyRan) {
      r.aborted = true;
      r.abortReason = signal.reason;
    }
  });
  return r;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Chat request model syntax: "events:<count>:<delayMs>[:<bytesPerEvent>][:fail|boom]";
 * fail/boom throw a ConnectError / a plain Error before the third event. */
function parseChatModel(model: string) {
  const [, count = '3', delay = '0', size = '0', fail = ''] = model.split(':');
  return { count: Number(count), delay: Number(delay), size: Number(size), fail };
}

export const testRouterImpl: Partial<ServiceImpl<typeof RouterService>> = {
  async route(req, ctx: HandlerContext) {
    if (req.model === 'slow') {
      const r = record(req.requestId, ctx.signal);
      try {
        await sleep(60_000, ctx.signal);
      } finally {
        r.finallyRan = true;
      }
    }
    if (req.model === 'slow-blind') {
      // Ignores its signal, then fails the way a downstream call cut off by the deadline would.
      await new Promise((resolve) => setTimeout(resolve, 300));
      throw new Error('socket hang up');
    }
    ctx.responseHeader.set('x-echo-header', 'hello');
    ctx.responseTrailer.set('x-echo-trailer', 'bye');
    return {
      decisionId: `auth=${ctx.requestHeader.get('authorization') ?? ''}`,
      resolved: req.model,
      policyVersion: req.requestId,
      catalogVersion: `${ctx.protocolName}:${ctx.timeoutMs() === undefined ? 'no-deadline' : 'deadline'}`,
      candidates: req.messages.map((m, i) => ({ provider: 'p', model: m.content, rank: i })),
      estimate: { inputTokens: req.maxOutputTokens * 2n, tokenizer: 't' },
    };
  },

  listModels(req) {
    const models = Array.from({ length: req.pageSize }, (_, i) => ({ id: `m-${i}`, provider: 'p' }));
    return { models, totalSize: req.pageSize };
  },

  async *chat(req, ctx) {
    const { count, delay, size, fail } = parseChatModel(req.model);
    const r = record(req.requestId, ctx.signal);
    ctx.responseHeader.set('x-chat-header', 'h');
    try {
      for (let i = 0; i < count; i++) {
        if (delay > 0) await sleep(delay, ctx.signal);
        if (fail === 'fail' && i === 2) throw new ConnectError('upstream broke', Code.Unavailable);
        if (fail === 'boom' && i === 2) throw new Error('secret stack detail hunter2');
        r.yielded++;
        yield { event: { case: 'delta', value: { text: size > 0 ? 'x'.repeat(size) : `tok${i}` } } };
      }
      ctx.responseTrailer.set('x-chat-trailer', 't');
    } finally {
      r.finallyRan = true;
    }
  },

  embed() {
    throw new ConnectError('bad input', Code.InvalidArgument, { 'x-error-meta': 'm' }, [
      {
        desc: ErrorInfoSchema,
        value: { reason: 'INPUT_EMPTY', domain: 'switchyard.dev', metadata: { field: 'inputs' } },
      },
      {
        desc: BadRequestSchema,
        value: { fieldViolations: [{ field: 'inputs', description: 'must not be empty' }] },
      },
    ]);
  },

  modelMetadata() {
    throw new Error('db connection string postgres://admin:hunter2@db leaked');
  },
  // getDecision is deliberately missing: UNIMPLEMENTED.
};

export async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const silentLogger = {
  errors: [] as unknown[],
  error(_message: string, fields: Record<string, unknown>) {
    this.errors.push(fields.error);
  },
};
