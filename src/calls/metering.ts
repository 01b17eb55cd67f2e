// Money around one executed call: reserve the worst case in every applicable budget before
// dispatch, then settle the actual cost and append the usage ledger row when it ends, however
// it ends (finished, failed, cancelled by the client).
import { SwitchyardError } from '../errors.js';
import { uuidv7Time } from '../ids.js';
import type { EscrowEngine, Reservation } from '../budget/escrow.js';
import { BudgetExhausted, describeScope, type BudgetDef } from '../budget/types.js';
import { costOf } from '../ledger/pricing.js';
import type { LedgerRow, LedgerStatus } from '../store/repos/usage.js';
import type { LedgerWriter } from '../ledger/writer.js';
import type { Usage } from '../providers/types.js';
import type { Candidate } from '../routing/types.js';
import type { Caller } from './caller.js';

export interface Money {
  escrow: EscrowEngine;
  ledger: LedgerWriter;
  /** Budgets that apply to a call, sorted by id (the lock order). */
  budgetsFor(tenantId: string, apiKeyId: string, workerId: string): readonly BudgetDef[];
}

/**
 * The worst case of a call over its whole fallback chain: any candidate may end up serving it,
 * so the hold covers the most expensive one (input estimate + max output at its prices).
 */
export function worstCase(candidates: readonly Candidate[]): bigint {
  let max = 0n;
  for (const c of candidates) if (c.estimate.maxCost > max) max = c.estimate.maxCost;
  return max;
}

/** Reserves before dispatch; a budget without room → RESOURCE_EXHAUSTED naming it. */
export async function reserveFor(
  money: Money | undefined,
  who: Caller,
  workerId: string,
  amount: bigint,
): Promise<Reservation | undefined> {
  if (!money) return undefined;
  if (money.ledger.overloaded) {
    throw new SwitchyardError('unavailable', 'the usage ledger is behind (database slow or down); retry later', {
      reason: 'LEDGER_BACKLOG',
    });
  }
  const budgets = money.budgetsFor(who.tenant, who.keyId, workerId);
  if (budgets.length === 0) return undefined;
  try {
    return await money.escrow.reserve(budgets, amount);
  } catch (err) {
    if (err instanceof BudgetExhausted) {
      throw new SwitchyardError('resource_exhausted', err.message, {
        reason: 'BUDGET_EXHAUSTED',
        metadata: {
          budget_id: err.budget.id,
          scope: err.budget.scope,
          scope_detail: describeScope(err.budget),
          period: err.budget.period,
          needed_pico_usd: err.needed.toString(),
        },
      });
    }
    // Budgets fail closed: without the budget store no call may spend money.
    throw new SwitchyardError('unavailable', 'budget store unavailable; no call is dispatched without its budget hold', {
      reason: 'BUDGET_STORE_UNAVAILABLE',
    });
  }
}

export interface CallOutcome {
  decisionId: string;
  requestId: string;
  who: Caller;
  workerId: string;
  taskType: string;
  rpc: LedgerRow['rpc'];
  /** The candidate that served (or was serving) the call; undefined if none was dispatched. */
  candidate: Candidate | undefined;
  /** Usage the upstream reported, if it did. */
  usage: Usage | undefined;
  /** `usage` is Switchyard's estimate (an embedder that reports no usage). */
  usageIsEstimate?: boolean;
  /** Switchyard's input estimate, for calls without reported usage. */
  estimatedInputTokens: number;
  /** Characters of output streamed so far (text, reasoning, tool arguments). */
  outputChars: number;
  status: LedgerStatus;
  attempts: number;
  startedAt: number;
  firstTokenAt: number | undefined;
  priceVersion: string;
}

/** The cost of a call as the ledger records it, and whether it is an estimate. */
export function costOfOutcome(o: CallOutcome): { cost: bigint; estimated: boolean; usage: Usage } {
  if (o.usage) {
    const cost = o.usage.reportedCost ?? (o.candidate ? costOf(o.candidate.model.pricing, o.usage) : 0n);
    return { cost, estimated: o.usageIsEstimate ?? false, usage: o.usage };
  }
  // No usage reported. A call that was dispatched and then cancelled or broken off consumed
  // its input and whatever it streamed: estimate that. A call refused before any output
  // (upstream error) is not billed by the providers.
  const dispatched = o.candidate !== undefined && (o.status === 'cancelled' || o.outputChars > 0);
  const usage: Usage = {
    inputTokens: dispatched ? o.estimatedInputTokens : 0,
    outputTokens: dispatched ? Math.ceil(o.outputChars / 4) : 0,
    cachedInputTokens: 0,
    reasoningTokens: 0,
  };
  const cost = o.candidate && dispatched ? costOf(o.candidate.model.pricing, usage) : 0n;
  return { cost, estimated: true, usage };
}

/**
 * Right after reserveFor: records that the call holds money, so that if this replica dies
 * mid-call the lease sweeper settles it at the held amount with an 'abandoned' ledger row
 * (call_intents, migration 0008). Queued for the ledger's next flush: no round trip here.
 */
export function noteIntent(
  money: Money | undefined,
  reservation: Reservation | undefined,
  o: Pick<CallOutcome, 'decisionId' | 'requestId' | 'who' | 'workerId' | 'taskType' | 'rpc' | 'candidate' | 'priceVersion'>,
): void {
  if (!money || !reservation || reservation.amount <= 0n) return;
  money.ledger.intend({
    decisionId: o.decisionId,
    createdAt: new Date(uuidv7Time(o.decisionId) ?? Date.now()),
    leaseIds: reservation.leases.flatMap((l) => (l.leaseId ? [l.leaseId] : [])),
    held: reservation.amount,
    call: {
      requestId: o.requestId,
      tenantId: o.who.tenant,
      apiKeyId: o.who.keyId,
      workerId: o.workerId,
      taskType: o.taskType,
      rpc: o.rpc,
      provider: o.candidate?.provider ?? '',
      model: o.candidate?.model.id ?? '',
      priceVersion: o.priceVersion,
    },
  });
}

/** Settles the hold and appends the ledger row. Never throws (called from finally blocks). */
export function settleCall(money: Money | undefined, reservation: Reservation | undefined, o: CallOutcome): bigint {
  let priced: ReturnType<typeof costOfOutcome>;
  try {
    priced = costOfOutcome(o);
  } catch {
    // Unpriceable (should not happen: costOf is total): charge the whole hold, flagged.
    const held = reservation?.amount ?? 0n;
    priced = { cost: held, estimated: true, usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 } };
  }
  const { cost, estimated, usage } = priced;
  reservation?.settle(cost);
  if (!money) return cost;
  const now = Date.now();
  money.ledger.append({
    decisionId: o.decisionId,
    requestId: o.requestId,
    tenantId: o.who.tenant,
    apiKeyId: o.who.keyId,
    workerId: o.workerId,
    taskType: o.taskType,
    rpc: o.rpc,
    provider: o.candidate?.provider ?? '',
    model: o.candidate?.model.id ?? '',
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedInputTokens: usage.cachedInputTokens,
    reasoningTokens: usage.reasoningTokens,
    cost,
    estimated: estimated && (usage.inputTokens > 0 || usage.outputTokens > 0),
    priceVersion: o.priceVersion,
    latencyMs: now - o.startedAt,
    ...(o.firstTokenAt !== undefined ? { ttftMs: o.firstTokenAt - o.startedAt } : {}),
    status: o.status,
    attempts: o.attempts,
    // The decision's time, read from its UUIDv7 id, not the settle time: the ledger's key is
    // (decision_id, created_at) and its partition is created_at's day (migration 0005), so
    // created_at must be a function of the id for ON CONFLICT to still count a call once.
    createdAt: new Date(uuidv7Time(o.decisionId) ?? now),
  });
  return cost;
}
