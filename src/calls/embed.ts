// The Embed use case: plan, reserve, execute over the candidates, settle (an upstream that
// reports no usage is billed on the estimate, flagged), record the decision.
import { withDecisionId } from '../errors.js';
import { executeEmbed } from '../routing/executor.js';
import type { Requirements } from '../routing/types.js';
import type { Caller } from './caller.js';
import type { CallControl } from './chat.js';
import { decisionRecord } from './decision-record.js';
import type { CallDeps } from './deps.js';
import type { Reservation } from '../budget/escrow.js';
import { noteIntent, reserveFor, settleCall, worstCase, type CallOutcome } from './metering.js';
import { planCall, type CallContext } from './plan-call.js';
import { admitCall } from './limits.js';
import type { Admission } from '../limits/limiter.js';
import { NO_TELEMETRY, ObservedCall } from './observe.js';
import { admittedOnce } from './admission.js';
import { boundedOnce } from './deadlines.js';

export interface EmbedIntent {
  /** A model id, a bare upstream name or an alias; "" when a route rule chooses. */
  model: string;
  inputs: string[];
  /** 0: the model's default. */
  dimensions: number;
  requirements: Requirements;
  context: CallContext;
}

export interface EmbedOutcome {
  vectors: number[][];
  provider: string;
  model: string;
  inputTokens: number;
  /** pico-USD */
  cost: bigint;
  /** The upstream reported no usage: tokens and cost are Switchyard's estimate. */
  estimated: boolean;
  decisionId: string;
}

/** An Embed, measured and logged alike whichever way in called it (calls/observe.ts). */
export async function runEmbed(intent: EmbedIntent, caller: Caller, deps: CallDeps, control: CallControl): Promise<EmbedOutcome> {
  const call = new ObservedCall(deps.telemetry ?? NO_TELEMETRY, 'Embed', caller, intent.context.requestId);
  try {
    const out = await admittedOnce(deps.admission, caller, () =>
      boundedOnce('Embed', deps.deadlines?.embed, control, (c) => embed(intent, caller, deps, c)),
    );
    call.decided(out.decisionId);
    call.served(out.provider, out.model);
    call.usage(out.inputTokens, 0, out.cost);
    call.end('ok');
    return out;
  } catch (err) {
    if (control.signal.aborted) call.end('cancelled');
    else call.failed(err);
    throw err;
  }
}

async function embed(intent: EmbedIntent, caller: Caller, deps: CallDeps, control: CallControl): Promise<EmbedOutcome> {
  const requirements: Requirements =
    intent.dimensions > 0
      ? { ...intent.requirements, capabilities: [...intent.requirements.capabilities, 'embedding_dimensions'] }
      : intent.requirements;
  const planned = planCall(
    { model: intent.model, kind: 'embedding', input: { texts: intent.inputs }, maxOutputTokens: 0, requirements, context: intent.context },
    caller,
    deps,
  );
  const { plan: p, decisionId } = planned;
  const inputTokens = planned.request.inputTokens;
  const record = (outcome: unknown) => deps.decisions.record(decisionRecord('Embed', planned, caller, intent.context, outcome));
  const base: Omit<CallOutcome, 'candidate' | 'usage' | 'status' | 'attempts'> = {
    decisionId,
    requestId: intent.context.requestId,
    who: caller,
    workerId: intent.context.workerId,
    taskType: intent.context.taskType,
    rpc: 'Embed',
    estimatedInputTokens: inputTokens,
    outputChars: 0,
    startedAt: Date.now(),
    firstTokenAt: undefined,
    priceVersion: planned.snap.catalog.version,
  };
  let reservation: Reservation | undefined;
  let admission: Admission | undefined;
  try {
    admission = await admitCall(deps, caller, intent.model, p.candidates);
    reservation = await reserveFor(deps.money, caller, intent.context.workerId, worstCase(p.candidates));
    noteIntent(deps.money, reservation, { ...base, candidate: p.candidates[0] });
  } catch (err) {
    admission?.release();
    record({ refused: (err as Error).message });
    throw withDecisionId(err, decisionId);
  }
  let executed: Awaited<ReturnType<typeof executeEmbed>>;
  try {
    executed = await executeEmbed(
      p.candidates,
      { inputs: intent.inputs, dimensions: intent.dimensions > 0 ? intent.dimensions : undefined },
      control.signal,
      deps.executor,
      control.deadlineMs,
    );
  } catch (err) {
    admission.release();
    const cancelled = control.signal.aborted;
    // A cancelled embedding may have reached the upstream: charge its input (estimated) at
    // the first candidate's prices. A failed one was not billed.
    settleCall(deps.money, reservation, {
      ...base,
      candidate: cancelled ? p.candidates[0] : undefined,
      usage: undefined,
      status: cancelled ? 'cancelled' : 'error',
      attempts: 0,
    });
    record({ error: (err as Error).message, kind: (err as { kind?: string }).kind });
    throw err;
  }
  const { result, candidate } = executed;
  admission.release(result.usage.inputTokens === 0 ? undefined : result.usage.inputTokens);
  record({ provider: candidate.provider, model: candidate.model.id, attempts: executed.attempts });
  const estimated = result.usage.inputTokens === 0;
  const tokens = estimated ? inputTokens : result.usage.inputTokens;
  const cost = settleCall(deps.money, reservation, {
    ...base,
    candidate,
    usage: { inputTokens: tokens, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 },
    usageIsEstimate: estimated,
    status: 'ok',
    attempts: executed.attempts,
  });
  return {
    vectors: result.vectors,
    provider: candidate.provider,
    model: candidate.model.id,
    inputTokens: tokens,
    cost,
    estimated,
    decisionId,
  };
}
