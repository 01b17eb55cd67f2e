// Chat and Embed: plan, then execute over the plan's candidates through the provider
// adapters, streaming typed events back. Both ports serve this one implementation.
import { randomUUID } from 'node:crypto';
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
import { estimateInputTokens, HEURISTIC_TOKENIZER } from '../routing/estimate.js';
import { executeChat, executeEmbed, type ExecEvent, type ExecutorDeps } from '../routing/executor.js';
import { plan, type RoutingSnapshot } from '../routing/planner.js';
import { coalesce } from '../routing/coalesce.js';
import type { Candidate } from '../routing/types.js';
import { chatFromProto, eventToProto, fitToModel } from './chat-convert.js';
import { estimableMessages, requirementsFromProto, sensitivityFromProto, strategyFromProto } from './convert.js';
import { checkModel, checkRequestId, checkRequirements, Violations } from './validate.js';
import type { Catalog } from '../catalog/catalog.js';
import { inputsOf, storedPlan } from '../routing/decision.js';
import type { Plan, PlanRequest } from '../routing/types.js';
import type { DecisionRow } from '../store/repos/decisions.js';
import { principalOf } from './guard.js';

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
}

/** Builds the stored record of a decision (outcome filled in by executed calls). */
export function decisionRow(
  rpc: DecisionRow['rpc'],
  id: string,
  ctx: HandlerContext,
  snap: RoutingSnapshot & { catalog: Catalog },
  req: PlanRequest,
  circuits: ReadonlyMap<string, string>,
  p: Plan,
  context?: Record<string, unknown>,
): DecisionRow {
  return {
    id,
    tenantId: principalOf(ctx).tenant,
    rpc,
    createdAt: new Date(),
    policyVersion: snap.policyVersion,
    catalogVersion: snap.catalog.version,
    inputs: inputsOf(req, circuits, context),
    plan: storedPlan(p),
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
      const requirements = requirementsFromProto(req.requirements);
      if (rt.unsupportedParameters === 'error') {
        // "error": a candidate that cannot take every parameter set is excluded, with a reason.
        requirements.requiredParameters = [...requirements.requiredParameters, ...chat.setParameters];
      }
      const inputTokens = estimateInputTokens(estimableMessages(req.messages));
      const planReq: PlanRequest = {
        model: req.model,
        ...who,
        kind: 'chat',
        inputTokens,
        tokenizer: HEURISTIC_TOKENIZER,
        maxOutputTokens: chat.options.maxOutputTokens ?? 0,
        requirements,
        sensitivity: req.context ? sensitivityFromProto(req.context.sensitivity) : 'unspecified',
        strategy: strategyFromProto(req.strategy),
      };
      const circuits = rt.executor.breakers.snapshot();
      const p = plan(planReq, snap, circuits);
      const decisionId = randomUUID();
      const record = decisionRow('Chat', decisionId, ctx, snap, planReq, circuits, p, contextOf(req.context, req.requestId));
      const attempts: Record<string, unknown>[] = [];
      let finish: unknown;
      let usage: unknown;
      const byProvider = new Map<string, Candidate>();
      const prepare = (cand: Candidate) => {
        byProvider.set(`${cand.provider}\u0000${cand.model.id}`, cand);
        const { chat: fitted, dropped } = fitToModel(chat, cand.model);
        const call = { messages: fitted.messages, options: fitted.options, tools: fitted.tools, toolChoice: fitted.toolChoice, providerOptions: fitted.providerOptions };
        return { call, dropped: rt.unsupportedParameters === 'ignore' ? [] : dropped };
      };
      const costOfUsage = (e: Extract<ExecEvent, { type: 'usage' }>) => {
        if (e.usage.reportedCost !== undefined) return { cost: e.usage.reportedCost, estimated: false };
        const cand = byProvider.get(`${e.provider}\u0000${e.model}`);
        return { cost: cand ? costOf(cand.model.pricing, e.usage) : 0n, estimated: false };
      };

      let current: Candidate | undefined;
      let outputChars = 0;
      let usageSent = false;
      try {
      for await (const e of coalesce(executeChat(p.candidates, prepare, ctx.signal, rt.executor, deadlineOf(ctx)))) {
        if (e.type === 'route') {
          attempts.push({ attempt: e.attempt, provider: e.provider, model: e.model, dropped: e.dropped });
          current = byProvider.get(`${e.provider}\u0000${e.model}`);
          outputChars = 0;
        } else if (e.type === 'delta') outputChars += e.text.length + (e.reasoning?.length ?? 0);
        else if (e.type === 'tool_call') outputChars += e.argumentsDelta.length + (e.name?.length ?? 0);
        else if (e.type === 'usage') {
          usageSent = true;
          usage = { ...e.usage, reportedCost: e.usage.reportedCost?.toString() };
        } else if (e.type === 'attempt_failed') {
          attempts.push({ attempt: e.attempt, provider: e.provider, model: e.model, failed: e.error.kind, message: e.error.message, retrying: e.retrying });
        } else {
          finish = { reason: e.reason, error: e.error };
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
        rt.decisions.record({ ...record, outcome: { attempts, finish: finish ?? { reason: 'abandoned' }, usage } });
      }
    },

    async embed(req: EmbedRequest, ctx: HandlerContext) {
      const v = new Violations();
      v.enums(EmbedRequestSchema, req);
      const snap = rt.snapshot();
      const who = routeInputs(ctx, req.context);
      checkModel(v, req.model, 'model', { rules: snap.routes, ...who });
      checkRequestId(v, req.requestId);
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

      const requirements = requirementsFromProto(req.requirements);
      if (req.dimensions > 0n) requirements.capabilities = [...requirements.capabilities, 'embedding_dimensions'];
      const inputTokens = Math.ceil(bytes / 4);
      const planReq: PlanRequest = {
        model: req.model,
        ...who,
        kind: 'embedding',
        inputTokens,
        tokenizer: HEURISTIC_TOKENIZER,
        maxOutputTokens: 0,
        requirements,
        sensitivity: req.context ? sensitivityFromProto(req.context.sensitivity) : 'unspecified',
      };
      const circuits = rt.executor.breakers.snapshot();
      const p = plan(planReq, snap, circuits);
      const decisionId = randomUUID();
      const record = decisionRow('Embed', decisionId, ctx, snap, planReq, circuits, p, contextOf(req.context, req.requestId));
      let executed;
      try {
        executed = await executeEmbed(p.candidates, {
          inputs: req.inputs,
          dimensions: req.dimensions > 0n ? Number(req.dimensions) : undefined,
        }, ctx.signal, rt.executor, deadlineOf(ctx));
      } catch (err) {
        rt.decisions.record({ ...record, outcome: { error: (err as Error).message, kind: (err as { kind?: string }).kind } });
        throw err;
      }
      const { result, candidate } = executed;
      rt.decisions.record({ ...record, outcome: { provider: candidate.provider, model: candidate.model.id, attempts: executed.attempts } });
      const tokens = result.usage.inputTokens || inputTokens;
      return create(EmbedResponseSchema, {
        embeddings: result.vectors.map((values) => ({ values })),
        provider: candidate.provider,
        model: candidate.model.id,
        usage: {
          inputTokens: BigInt(tokens),
          cost: costOf(candidate.model.pricing, { inputTokens: tokens, outputTokens: 0, cachedInputTokens: 0 }),
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

