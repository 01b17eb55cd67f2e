// Chat and Embed: plan, then execute over the plan's candidates through the provider
// adapters, streaming typed events back. Both ports serve this one implementation.
import { uuidv7 } from '../ids.js';
import { create } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import {
  ChatResponseSchema,
  EmbedRequestSchema,
  EmbedResponseSchema,
  type ChatRequest,
  type EmbedRequest,
  type RouterService,
} from '../../gen/switchyard/v1/router_pb.js';
import { costOf } from '../ledger/pricing.js';
import { countInputTokens, countTextTokens, encodingForRequest } from '../routing/tokenizer.js';
import { executeChatBatches, executeEmbed, type ExecEvent, type ExecutorDeps } from '../routing/executor.js';
import { plan, type PlanEnv, type RoutingSnapshot } from '../routing/planner.js';
import { planEnvFor } from '../routing/seed.js';
import { coalesceBatches } from '../routing/coalesce.js';
import type { Candidate } from '../routing/types.js';
import { chatFromProto, eventToProto, fitToModel } from './chat-convert.js';
import { estimableMessages, requirementsFromProto, strategyFromProto } from './convert.js';
import { planPrivacy } from './policy-convert.js';
import { effectiveFor } from '../routing/policy.js';
import { providerOptionViolations } from '../routing/provider-options.js';
import { invalidFields } from '../errors.js';
import { checkModel, checkContextIds, checkRequestId, checkRequirements, Violations } from './validate.js';
import type { Catalog } from '../catalog/catalog.js';
import { inputsOf, planRecord } from '../routing/decision.js';
import type { Plan, PlanRequest } from '../routing/types.js';
import type { DecisionRow } from '../store/repos/decisions.js';
import { principalOf } from './guard.js';
import { reserveFor, settleCall, worstCase, type Money } from './metering.js';
import type { Usage } from '../providers/types.js';
import type { LedgerStatus } from '../ledger/types.js';

export type UnsupportedParameterPolicy = 'warn' | 'error' | 'ignore';

export interface DecisionLog {
  record(row: DecisionRow): void;
  get(id: string): Promise<DecisionRow | null>;
}

export interface ChatRuntime {
  snapshot(): RoutingSnapshot & { catalog: Catalog };
  readonly maxMessageBytes: number;
  readonly unsupportedParameters: UnsupportedParameterPolicy;
  readonly executor: ExecutorDeps;
  readonly decisions: DecisionLog;
  /** Budgets and the usage ledger; absent in tests that exercise routing alone. */
  readonly money?: Money;
}

/** Builds the stored record of a decision (outcome filled in by executed calls). */
export function decisionRow(
  rpc: DecisionRow['rpc'],
  id: string,
  ctx: HandlerContext,
  snap: RoutingSnapshot & { catalog: Catalog },
  req: PlanRequest,
  env: PlanEnv,
  p: Plan,
  context?: Record<string, unknown>,
  createdAt: Date = new Date(),
): DecisionRow {
  return {
    id,
    tenantId: principalOf(ctx).tenant,
    rpc,
    createdAt,
    // The request's own effective version ("platform:3+tenant:acme:2"): replay uses the same policy.
    policyVersion: effectiveFor(snap, req.tenant).version,
    catalogVersion: snap.catalog.version,
    inputs: inputsOf(req, env, context, p),
    plan: planRecord(p),
    outcome: undefined,
  };
}

const MAX_EMBED_INPUTS = 2048;

function deadlineOf(ctx: HandlerContext): number | undefined {
  const ms = ctx.timeoutMs();
  return ms === undefined ? undefined : Date.now() + ms;
}

export function chatService(rt: ChatRuntime): Partial<ServiceImpl<typeof RouterService>> {
  return {
    async *chat(req: ChatRequest, ctx: HandlerContext) {
      const snap = rt.snapshot();
      const who = routeInputs(ctx, req.context);
      const chat = chatFromProto(req, rt.maxMessageBytes, { rules: snap.routes, ...who });
      // The tenant's effective policy (platform ∩ tenant) may be stricter than the config default.
      const policy = effectiveFor(snap, who.tenant);
      const unsupported = policy.unsupportedParameters ?? rt.unsupportedParameters;
      const privacy = planPrivacy(req.context, requirementsFromProto(req.requirements));
      const requirements = { ...privacy.requirements };
      if (unsupported === 'error') {
        // "error": a candidate that cannot take every parameter set is excluded, with a reason.
        requirements.requiredParameters = [...requirements.requiredParameters, ...chat.setParameters];
      }
      // The tokenizer of the model the request resolves to (tiktoken for OpenAI's, else the heuristic).
      const input = countInputTokens(estimableMessages(req.messages), encodingForRequest(snap, req.model, who));
      const inputTokens = input.inputTokens;
      const planReq: PlanRequest = {
        model: req.model,
        ...who,
        kind: 'chat',
        inputTokens,
        tokenizer: input.tokenizer,
        maxOutputTokens: chat.options.maxOutputTokens ?? 0,
        requirements,
        sensitivity: privacy.sensitivity,
        ...(privacy.localRequired ? { localRequired: true } : {}),
        strategy: strategyFromProto(req.strategy),
      };
      const env = planEnvFor(rt.executor, snap, planReq, req.requestId);
      const p = plan(planReq, snap, env);
      const decisionId = uuidv7();
      // The record is built when the call ends, off the path to the upstream request and the
      // first token (~35 µs at concurrency 1 here); it keeps the time of the plan.
      const plannedAt = new Date();
      const recordOf = (outcome: unknown): DecisionRow => ({
        ...decisionRow('Chat', decisionId, ctx, snap, planReq, env, p, contextOf(req.context, req.requestId), plannedAt),
        outcome,
      });
      const startedAt = Date.now();
      const principal = principalOf(ctx);
      let reservation;
      try {
        if (chat.providerOptions) {
          const violations = providerOptionViolations(chat.providerOptions, chat, p.candidates, (id) => rt.executor.adapterFor(id)?.ownedOptions, policy);
          if (violations.length > 0) throw invalidFields(violations);
        }
        reservation = await reserveFor(rt.money, principal, who.workerId, worstCase(p.candidates));
      } catch (err) {
        rt.decisions.record(recordOf({ refused: (err as Error).message }));
        throw err;
      }
      const attempts: Record<string, unknown>[] = [];
      let finish: unknown;
      let usage: unknown;
      const byProvider = new Map<string, Candidate>();
      const prepare = (cand: Candidate) => {
        byProvider.set(`${cand.provider}\u0000${cand.model.id}`, cand);
        const { chat: fitted, dropped } = fitToModel(chat, cand.model);
        // A policy max_output_tokens caps an uncapped call at the budget the planner estimated.
        const options = policy.maxOutputTokens > 0 && fitted.options.maxOutputTokens === undefined
          ? { ...fitted.options, maxOutputTokens: cand.estimate.maxOutputTokens }
          : fitted.options;
        const call = { messages: fitted.messages, options, tools: fitted.tools, toolChoice: fitted.toolChoice, providerOptions: fitted.providerOptions };
        return { call, dropped: unsupported === 'ignore' ? [] : dropped };
      };
      const costOfUsage = (e: Extract<ExecEvent, { type: 'usage' }>) => {
        if (e.usage.reportedCost !== undefined) return { cost: e.usage.reportedCost, estimated: false };
        const cand = byProvider.get(`${e.provider}\u0000${e.model}`);
        return { cost: cand ? costOf(cand.model.pricing, e.usage) : 0n, estimated: false };
      };

      let current: Candidate | undefined;
      let outputChars = 0;
      let usageSent = false;
      let reported: Usage | undefined;
      let status: LedgerStatus = 'cancelled';
      let firstTokenAt: number | undefined;
      let attemptCount = 0;
      try {
      // Batches (one per upstream read) until merged: per-token hops are what streaming costs.
      for await (const e of coalesceBatches(executeChatBatches(p.candidates, prepare, ctx.signal, rt.executor, deadlineOf(ctx)))) {
        if (e.type === 'route') {
          attempts.push({ attempt: e.attempt, provider: e.provider, model: e.model, dropped: e.dropped });
          current = byProvider.get(`${e.provider}\u0000${e.model}`);
          outputChars = 0;
          attemptCount = e.attempt;
        } else if (e.type === 'delta') {
          firstTokenAt ??= Date.now();
          outputChars += e.text.length + (e.reasoning?.length ?? 0);
        } else if (e.type === 'tool_call') {
          firstTokenAt ??= Date.now();
          outputChars += e.argumentsDelta.length + (e.name?.length ?? 0);
        } else if (e.type === 'usage') {
          usageSent = true;
          reported = e.usage;
          usage = { ...e.usage, reportedCost: e.usage.reportedCost?.toString() };
        } else if (e.type === 'attempt_failed') {
          attempts.push({ attempt: e.attempt, provider: e.provider, model: e.model, failed: e.error.kind, message: e.error.message, retrying: e.retrying });
        } else {
          finish = { reason: e.reason, error: e.error };
          status = e.reason === 'error' ? 'error' : e.reason === 'cancelled' ? 'cancelled' : 'ok';
          if (!usageSent && current && outputChars > 0) {
            // The upstream reported no usage: estimate it, flagged as an estimate.
            const estimated = estimatedUsage(current, inputTokens, outputChars);
            usage = { estimated: true, inputTokens, outputChars };
            yield estimated;
          }
        }
        yield eventToProto(e, { decisionId, dropped: e.type === 'route' ? e.dropped : [], costOf: costOfUsage });
      }
      } finally {
        // Recorded whatever happened, a client that went away included (finish stays unset).
        const cost = settleCall(rt.money, reservation, {
          decisionId,
          requestId: req.requestId,
          who: principal,
          workerId: who.workerId,
          taskType: who.taskType,
          rpc: 'Chat',
          candidate: current,
          usage: reported,
          estimatedInputTokens: inputTokens,
          outputChars,
          status,
          attempts: attemptCount,
          startedAt,
          firstTokenAt,
          priceVersion: snap.catalog.version,
        });
        const outcome = {
          attempts,
          finish: finish ?? { reason: 'abandoned' },
          usage,
          cost: cost.toString(),
          // Keys only: values may be the caller's own identifiers.
          ...(chat.providerOptions ? { providerOptionKeys: Object.keys(chat.providerOptions) } : {}),
        };
        // After the final status is on its way: the transport flushes it in this turn's
        // immediates, before a GetDecision the caller sends on seeing it can arrive.
        setImmediate(() => rt.decisions.record(recordOf(outcome)));
      }
    },

    async embed(req: EmbedRequest, ctx: HandlerContext) {
      const v = new Violations();
      v.enums(EmbedRequestSchema, req);
      const snap = rt.snapshot();
      const who = routeInputs(ctx, req.context);
      checkModel(v, req.model, 'model', { rules: snap.routes, ...who });
      checkRequestId(v, req.requestId);
      checkContextIds(v, req.context);
      checkRequirements(v, req.requirements);
      if (req.inputs.length === 0) v.add('inputs', 'must contain at least one text');
      if (req.inputs.length > MAX_EMBED_INPUTS) v.add('inputs', `must contain at most ${MAX_EMBED_INPUTS} texts`);
      let bytes = 0;
      req.inputs.forEach((text, i) => {
        if (text === '') v.add(`inputs[${i}]`, 'must not be empty');
        bytes += text.length;
      });
      if (bytes > rt.maxMessageBytes) v.add('inputs', `total size ${bytes} exceeds the limit of ${rt.maxMessageBytes} bytes`);
      if (req.dimensions < 0n) v.add('dimensions', 'must not be negative');
      v.throwIfAny();

      const privacy = planPrivacy(req.context, requirementsFromProto(req.requirements));
      const requirements = { ...privacy.requirements };
      if (req.dimensions > 0n) requirements.capabilities = [...requirements.capabilities, 'embedding_dimensions'];
      const input = countTextTokens(req.inputs, encodingForRequest(snap, req.model, who));
      const inputTokens = input.inputTokens;
      const planReq: PlanRequest = {
        model: req.model,
        ...who,
        kind: 'embedding',
        inputTokens,
        tokenizer: input.tokenizer,
        maxOutputTokens: 0,
        requirements,
        sensitivity: privacy.sensitivity,
        ...(privacy.localRequired ? { localRequired: true } : {}),
      };
      const env = planEnvFor(rt.executor, snap, planReq, req.requestId);
      const p = plan(planReq, snap, env);
      const decisionId = uuidv7();
      const record = decisionRow('Embed', decisionId, ctx, snap, planReq, env, p, contextOf(req.context, req.requestId));
      const startedAt = Date.now();
      const principal = principalOf(ctx);
      const workerId = req.context?.workerId ?? '';
      const outcomeBase = {
        decisionId,
        requestId: req.requestId,
        who: principal,
        workerId,
        taskType: req.context?.taskType ?? '',
        rpc: 'Embed' as const,
        estimatedInputTokens: inputTokens,
        outputChars: 0,
        startedAt,
        firstTokenAt: undefined,
        priceVersion: snap.catalog.version,
      };
      let reservation;
      try {
        reservation = await reserveFor(rt.money, principal, workerId, worstCase(p.candidates));
      } catch (err) {
        rt.decisions.record({ ...record, outcome: { refused: (err as Error).message } });
        throw err;
      }
      let executed;
      try {
        executed = await executeEmbed(p.candidates, {
          inputs: req.inputs,
          dimensions: req.dimensions > 0n ? Number(req.dimensions) : undefined,
        }, ctx.signal, rt.executor, deadlineOf(ctx));
      } catch (err) {
        const cancelled = ctx.signal.aborted;
        // A cancelled embedding may have reached the upstream: charge its input (estimated) at
        // the first candidate's prices. A failed one was not billed.
        settleCall(rt.money, reservation, { ...outcomeBase, candidate: cancelled ? p.candidates[0] : undefined, usage: undefined, status: cancelled ? 'cancelled' : 'error', attempts: 0 });
        rt.decisions.record({ ...record, outcome: { error: (err as Error).message, kind: (err as { kind?: string }).kind } });
        throw err;
      }
      const { result, candidate } = executed;
      rt.decisions.record({ ...record, outcome: { provider: candidate.provider, model: candidate.model.id, attempts: executed.attempts } });
      const tokens = result.usage.inputTokens || inputTokens;
      const cost = settleCall(rt.money, reservation, {
        ...outcomeBase,
        candidate,
        // An upstream that reports no usage is billed on the estimate (flagged in the row).
        usage: { inputTokens: tokens, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 },
        usageIsEstimate: result.usage.inputTokens === 0,
        status: 'ok',
        attempts: executed.attempts,
      });
      return create(EmbedResponseSchema, {
        embeddings: result.vectors.map((values) => ({ values })),
        provider: candidate.provider,
        model: candidate.model.id,
        usage: {
          inputTokens: BigInt(tokens),
          cost,
          estimated: result.usage.inputTokens === 0,
        },
        decisionId,
      });
    },
  };
}

/** What route rules match on: the tenant (from the key), worker and task type. */
export function routeInputs(ctx: HandlerContext, c: { workerId: string; taskType: string } | undefined) {
  return { tenant: principalOf(ctx).tenant, workerId: c?.workerId ?? '', taskType: c?.taskType ?? '' };
}

/** The caller context kept with a decision (never message content). */
export function contextOf(c: { workerId: string; taskType: string; labels: Record<string, string>; region: string } | undefined, requestId: string) {
  return { requestId, workerId: c?.workerId ?? '', taskType: c?.taskType ?? '', region: c?.region ?? '', labels: c?.labels ?? {} };
}

function estimatedUsage(cand: Candidate, inputTokens: number, outputChars: number) {
  const outputTokens = Math.ceil(outputChars / 4);
  return create(ChatResponseSchema, {
    event: {
      case: 'usage',
      value: {
        inputTokens: BigInt(inputTokens),
        outputTokens: BigInt(outputTokens),
        cost: costOf(cand.model.pricing, { inputTokens, outputTokens, cachedInputTokens: 0 }),
        estimated: true,
      },
    },
  });
}

