// The Chat use case: plan, check the provider options against the candidates, reserve the
// worst case in every budget, execute over the candidates (retries, fallback, the failover
// point), merge what arrived together, price the usage once, settle the budgets, append the
// ledger row and record the decision, however the call ends. Every way in streams these events.
import { invalidFields, withDecisionId } from '../errors.js';
import type { LedgerStatus } from '../store/repos/usage.js';
import { costOf } from '../ledger/pricing.js';
import type { Usage } from '../providers/types.js';
import { coalesceBatches } from '../routing/coalesce.js';
import { executeChatBatches, type ExecEvent } from '../routing/executor.js';
import { providerOptionViolations } from '../routing/provider-options.js';
import type { Candidate } from '../routing/types.js';
import type { Caller } from './caller.js';
import { estimableMessages, fitToModel, type ChatIntent } from './chat-intent.js';
import { decisionRecord } from './decision-record.js';
import type { CallDeps } from './deps.js';
import type { Reservation } from '../budget/escrow.js';
import { noteIntent, reserveFor, settleCall, worstCase } from './metering.js';
import { planCall } from './plan-call.js';
import { admitCall } from './limits.js';
import type { Admission } from '../limits/limiter.js';
import { NO_TELEMETRY, ObservedCall, observeChat } from './observe.js';
import { admitted } from './admission.js';
import { boundedStream } from './deadlines.js';

/** What a Chat streams: the executor's events, with the decision id and the priced usage. */
export type ChatCallEvent =
  | {
      type: 'route';
      provider: string;
      model: string;
      upstreamModel: string;
      attempt: number;
      dropped: readonly string[];
      decisionId: string;
    }
  | { type: 'usage'; usage: Usage; cost: bigint; estimated: boolean }
  | Exclude<ExecEvent, { type: 'route' | 'usage' }>;

/** The call's own end: a deadline (epoch ms) and the caller's cancellation. */
export interface CallControl {
  signal: AbortSignal;
  deadlineMs?: number | undefined;
}

const endpointKey = (provider: string, model: string) => `${provider}\u0000${model}`;

/** A Chat, measured and logged alike whichever way in called it (calls/observe.ts). */
export function runChat(intent: ChatIntent, caller: Caller, deps: CallDeps, control: CallControl): AsyncGenerator<ChatCallEvent> {
  const call = new ObservedCall(deps.telemetry ?? NO_TELEMETRY, 'Chat', caller, intent.context.requestId);
  return observeChat(
    call,
    admitted(deps.admission, caller, () => boundedStream('Chat', deps.deadlines?.chat, control, (c) => chat(intent, caller, deps, c))),
  );
}

async function* chat(intent: ChatIntent, caller: Caller, deps: CallDeps, control: CallControl): AsyncGenerator<ChatCallEvent> {
  const body = intent.body;
  const planned = planCall(
    {
      model: intent.model,
      kind: 'chat',
      input: { messages: estimableMessages(body.messages) },
      maxOutputTokens: body.options.maxOutputTokens ?? 0,
      requirements: intent.requirements,
      strategy: intent.strategy,
      context: intent.context,
      setParameters: body.setParameters,
    },
    caller,
    deps,
  );
  const { plan: p, policy, unsupported, decisionId } = planned;
  const inputTokens = planned.request.inputTokens;
  // The record is built when the call ends, off the path to the upstream request and the
  // first token; it keeps the time of the plan.
  const recordOf = (outcome: unknown) => decisionRecord('Chat', planned, caller, intent.context, outcome);
  const startedAt = Date.now();
  let reservation: Reservation | undefined;
  let admission: Admission | undefined;
  try {
    if (body.providerOptions) {
      const violations = providerOptionViolations(
        body.providerOptions,
        body,
        p.candidates,
        (id) => deps.executor.adapterFor(id)?.ownedOptions,
        policy,
      );
      if (violations.length > 0) throw invalidFields(violations);
    }
    admission = await admitCall(deps, caller, intent.model, p.candidates);
    reservation = await reserveFor(deps.money, caller, intent.context.workerId, worstCase(p.candidates));
    noteIntent(deps.money, reservation, {
      decisionId,
      requestId: intent.context.requestId,
      who: caller,
      workerId: intent.context.workerId,
      taskType: intent.context.taskType,
      rpc: 'Chat',
      candidate: p.candidates[0],
      priceVersion: planned.snap.catalog.version,
    });
  } catch (err) {
    admission?.release();
    deps.decisions.record(recordOf({ refused: (err as Error).message }));
    throw withDecisionId(err, decisionId);
  }

  const attempts: Record<string, unknown>[] = [];
  const byEndpoint = new Map<string, Candidate>();
  const prepare = (cand: Candidate) => {
    byEndpoint.set(endpointKey(cand.provider, cand.model.id), cand);
    const { body: fitted, dropped } = fitToModel(body, cand.model);
    // A policy max_output_tokens caps an uncapped call at the budget the planner estimated.
    const options =
      policy.maxOutputTokens > 0 && fitted.options.maxOutputTokens === undefined
        ? { ...fitted.options, maxOutputTokens: cand.estimate.maxOutputTokens }
        : fitted.options;
    const call = {
      messages: fitted.messages,
      options,
      tools: fitted.tools,
      toolChoice: fitted.toolChoice,
      providerOptions: fitted.providerOptions,
    };
    return { call, dropped: unsupported === 'ignore' ? [] : dropped };
  };

  let current: Candidate | undefined;
  let outputChars = 0;
  let reported: Usage | undefined;
  let usageRecord: unknown;
  let finish: unknown;
  let status: LedgerStatus = 'cancelled';
  let firstTokenAt: number | undefined;
  let attemptCount = 0;
  try {
    // Batches (one per upstream read) until merged: per-token hops are what streaming costs.
    for await (const e of coalesceBatches(executeChatBatches(p.candidates, prepare, control.signal, deps.executor, control.deadlineMs))) {
      switch (e.type) {
        case 'delta':
          firstTokenAt ??= Date.now();
          outputChars += e.text.length + (e.reasoning?.length ?? 0);
          yield e;
          break;
        case 'tool_call':
          firstTokenAt ??= Date.now();
          outputChars += e.argumentsDelta.length + (e.name?.length ?? 0);
          yield e;
          break;
        case 'route':
          attempts.push({ attempt: e.attempt, provider: e.provider, model: e.model, dropped: e.dropped });
          current = byEndpoint.get(endpointKey(e.provider, e.model));
          outputChars = 0;
          attemptCount = e.attempt;
          yield { ...e, decisionId };
          break;
        case 'usage': {
          reported = e.usage;
          usageRecord = { ...e.usage, reportedCost: e.usage.reportedCost?.toString() };
          const served = byEndpoint.get(endpointKey(e.provider, e.model));
          const cost = e.usage.reportedCost ?? (served ? costOf(served.model.pricing, e.usage) : 0n);
          yield { type: 'usage', usage: e.usage, cost, estimated: false };
          break;
        }
        case 'attempt_failed':
          attempts.push({
            attempt: e.attempt,
            provider: e.provider,
            model: e.model,
            failed: e.error.kind,
            message: e.error.message,
            retrying: e.retrying,
          });
          yield e;
          break;
        case 'finish':
          finish = { reason: e.reason, error: e.error };
          status = e.reason === 'error' ? 'error' : e.reason === 'cancelled' ? 'cancelled' : 'ok';
          if (!reported && current && outputChars > 0) {
            // The upstream reported no usage: estimate it, flagged as an estimate.
            const usage = estimatedUsage(inputTokens, outputChars);
            usageRecord = { estimated: true, inputTokens, outputChars };
            yield { type: 'usage', usage, cost: costOf(current.model.pricing, usage), estimated: true };
          }
          yield e;
          break;
      }
    }
  } finally {
    admission.release(reported ? reported.inputTokens + reported.outputTokens : undefined);
    // Recorded whatever happened, a client that went away included (finish stays unset).
    const cost = settleCall(deps.money, reservation, {
      decisionId,
      requestId: intent.context.requestId,
      who: caller,
      workerId: intent.context.workerId,
      taskType: intent.context.taskType,
      rpc: 'Chat',
      candidate: current,
      usage: reported,
      estimatedInputTokens: inputTokens,
      outputChars,
      status,
      attempts: attemptCount,
      startedAt,
      firstTokenAt,
      priceVersion: planned.snap.catalog.version,
    });
    const outcome = {
      attempts,
      finish: finish ?? { reason: 'abandoned' },
      usage: usageRecord,
      cost: cost.toString(),
      // Keys only: values may be the caller's own identifiers.
      ...(body.providerOptions ? { providerOptionKeys: Object.keys(body.providerOptions) } : {}),
    };
    // After the final status is on its way: the transport flushes it in this turn's
    // immediates, before a GetDecision the caller sends on seeing it can arrive.
    setImmediate(() => deps.decisions.record(recordOf(outcome)));
  }
}

/** Output estimated at 4 characters a token, for an upstream that reported no usage. */
function estimatedUsage(inputTokens: number, outputChars: number): Usage {
  return { inputTokens, outputTokens: Math.ceil(outputChars / 4), cachedInputTokens: 0, reasoningTokens: 0 };
}
