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

export type UnsupportedParameterPolicy = 'warn' | 'error' | 'ignore';

export interface ChatRuntime {
  snapshot(): RoutingSnapshot & { catalog: Catalog };
  readonly maxMessageBytes: number;
  readonly unsupportedParameters: UnsupportedParameterPolicy;
  readonly executor: ExecutorDeps;
}

const MAX_EMBED_INPUTS = 2048;

function deadlineOf(ctx: HandlerContext): number | undefined {
  const ms = ctx.timeoutMs();
  return ms === undefined ? undefined : Date.now() + ms;
}

export function chatService(rt: ChatRuntime): Partial<ServiceImpl<typeof RouterService>> {
  return {
    async *chat(req: ChatRequest, ctx: HandlerContext) {
      const chat = chatFromProto(req, rt.maxMessageBytes);
      const snap = rt.snapshot();
      const requirements = requirementsFromProto(req.requirements);
      if (rt.unsupportedParameters === 'error') {
        // "error": a candidate that cannot take every parameter set is excluded, with a reason.
        requirements.requiredParameters = [...requirements.requiredParameters, ...chat.setParameters];
      }
      const inputTokens = estimateInputTokens(estimableMessages(req.messages));
      const p = plan(
        {
          model: req.model,
          kind: 'chat',
          inputTokens,
          tokenizer: HEURISTIC_TOKENIZER,
          maxOutputTokens: chat.options.maxOutputTokens ?? 0,
          requirements,
          sensitivity: req.context ? sensitivityFromProto(req.context.sensitivity) : 'unspecified',
          strategy: strategyFromProto(req.strategy),
        },
        snap,
        rt.executor.breakers.snapshot(),
      );
      const decisionId = randomUUID();
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
      for await (const e of coalesce(executeChat(p.candidates, prepare, ctx.signal, rt.executor, deadlineOf(ctx)))) {
        if (e.type === 'route') {
          current = byProvider.get(`${e.provider}\u0000${e.model}`);
          outputChars = 0;
        } else if (e.type === 'delta') outputChars += e.text.length + (e.reasoning?.length ?? 0);
        else if (e.type === 'tool_call') outputChars += e.argumentsDelta.length + (e.name?.length ?? 0);
        else if (e.type === 'usage') usageSent = true;
        else if (e.type === 'finish' && !usageSent && current && outputChars > 0) {
          // The upstream reported no usage: estimate it, flagged as an estimate.
          yield estimatedUsage(current, inputTokens, outputChars);
        }
        yield eventToProto(e, { decisionId, dropped: e.type === 'route' ? e.dropped : [], costOf: costOfUsage });
      }
    },

    async embed(req: EmbedRequest, ctx: HandlerContext) {
      const v = new Violations();
      v.enums(EmbedRequestSchema, req);
      checkModel(v, req.model);
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

      const snap = rt.snapshot();
      const requirements = requirementsFromProto(req.requirements);
      if (req.dimensions > 0n) requirements.capabilities = [...requirements.capabilities, 'embedding_dimensions'];
      const inputTokens = Math.ceil(bytes / 4);
      const p = plan(
        {
          model: req.model,
          kind: 'embedding',
          inputTokens,
          tokenizer: HEURISTIC_TOKENIZER,
          maxOutputTokens: 0,
          requirements,
          sensitivity: req.context ? sensitivityFromProto(req.context.sensitivity) : 'unspecified',
        },
        snap,
        rt.executor.breakers.snapshot(),
      );
      const decisionId = randomUUID();
      const { result, candidate } = await executeEmbed(p.candidates, {
        inputs: req.inputs,
        dimensions: req.dimensions > 0n ? Number(req.dimensions) : undefined,
      }, ctx.signal, rt.executor, deadlineOf(ctx));
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

