// RouterService, written once as a Connect ServiceImpl and served on both ports. Each handler
// converts the request, calls its use case in src/calls/, and converts the answer back.
import { create } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { ModelKind } from '../../gen/switchyard/v1/common_pb.js';
import {
  GetDecisionResponseSchema,
  ListModelsRequestSchema,
  ListModelsResponseSchema,
  ModelMetadataResponseSchema,
  ReplayResultSchema,
  type ChatRequest,
  type EmbedRequest,
  type GetDecisionRequest,
  type ListModelsRequest,
  type ModelMetadataRequest,
  type RouteRequest,
  type RouterService,
} from '../../gen/switchyard/v1/router_pb.js';
import { runChat } from '../calls/chat.js';
import { getDecision } from '../calls/decisions.js';
import type { CallDeps } from '../calls/deps.js';
import { runEmbed } from '../calls/embed.js';
import { listModels, modelMetadata } from '../calls/models.js';
import { route } from '../calls/route.js';
import { chatEventToProto, chatIntentFromProto, shutdownFinish } from './chat-convert.js';
import { capabilityFromProto, kindFromProto, modelToProto } from './convert.js';
import { decisionToProto } from './decision-convert.js';
import { embedIntentFromProto, embedResponseToProto } from './embed-convert.js';
import { callerOf } from './guard.js';
import { routeIntentFromProto, routeResponseToProto } from './route-convert.js';
import { abortedByShutdown } from './shutdown.js';
import { checkModel, Violations } from './validate.js';

/** Limits of the ways in, applied while converting (the use cases never see oversized input). */
export interface WayInLimits {
  maxMessageBytes: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What route rules match on (an empty model is valid when one matches the caller). */
function routesFor(deps: CallDeps, ctx: HandlerContext, c: { workerId: string; taskType: string } | undefined) {
  return { rules: deps.snapshot().routes, tenant: callerOf(ctx).tenant, workerId: c?.workerId ?? '', taskType: c?.taskType ?? '' };
}

/** The caller's deadline as epoch milliseconds. */
function deadlineOf(ctx: HandlerContext): number | undefined {
  const ms = ctx.timeoutMs();
  return ms === undefined ? undefined : Date.now() + ms;
}

export function routerService(deps: CallDeps, limits: WayInLimits): Partial<ServiceImpl<typeof RouterService>> {
  return {
    async route(req: RouteRequest, ctx: HandlerContext) {
      const intent = routeIntentFromProto(req, limits.maxMessageBytes, routesFor(deps, ctx, req.context));
      return routeResponseToProto(route(intent, callerOf(ctx), deps));
    },

    async *chat(req: ChatRequest, ctx: HandlerContext) {
      const intent = chatIntentFromProto(req, limits.maxMessageBytes, routesFor(deps, ctx, req.context));
      for await (const e of runChat(intent, callerOf(ctx), deps, { signal: ctx.signal, deadlineMs: deadlineOf(ctx) })) {
        if (e.type === 'finish' && e.reason === 'cancelled' && abortedByShutdown(ctx.signal)) {
          // Cut by a server shutdown, not by the caller: say so, then end UNAVAILABLE (retryable).
          yield shutdownFinish();
          throw ctx.signal.reason;
        }
        yield chatEventToProto(e);
      }
    },

    async embed(req: EmbedRequest, ctx: HandlerContext) {
      const intent = embedIntentFromProto(req, limits.maxMessageBytes, routesFor(deps, ctx, req.context));
      return embedResponseToProto(await runEmbed(intent, callerOf(ctx), deps, { signal: ctx.signal, deadlineMs: deadlineOf(ctx) }));
    },

    async getDecision(req: GetDecisionRequest, ctx: HandlerContext) {
      const v = new Violations();
      if (!UUID.test(req.decisionId)) v.add('decision_id', 'must be a decision id (a UUID)');
      if (req.replayPolicyVersion.length > 300) v.add('replay_policy_version', 'must be at most 300 characters');
      v.throwIfAny();
      const replayAs = req.replay || req.replayPolicyVersion !== '' ? { policyVersion: req.replayPolicyVersion } : undefined;
      const r = await getDecision(req.decisionId, callerOf(ctx), deps, replayAs);
      return create(GetDecisionResponseSchema, {
        decision: decisionToProto(r.decision),
        ...(r.replay ? { replay: create(ReplayResultSchema, r.replay) } : {}),
      });
    },

    async modelMetadata(req: ModelMetadataRequest) {
      const v = new Violations();
      checkModel(v, req.model);
      v.throwIfAny();
      return create(ModelMetadataResponseSchema, { model: modelToProto(modelMetadata(req.model, deps)) });
    },

    async listModels(req: ListModelsRequest) {
      const v = new Violations();
      v.enums(ListModelsRequestSchema, req);
      if (req.pageSize < 0) v.add('page_size', 'must not be negative');
      if (req.minContextTokens < 0n) v.add('min_context_tokens', 'must not be negative');
      v.throwIfAny();
      const filter = {
        vendor: req.provider || undefined,
        kind: req.kind === ModelKind.UNSPECIFIED ? undefined : kindFromProto(req.kind),
        capabilities: req.capabilities.map(capabilityFromProto),
        minContextTokens: Number(req.minContextTokens),
        localOnly: req.localOnly,
        query: req.query || undefined,
      };
      const page = listModels(filter, req.pageSize, req.pageToken, deps);
      return create(ListModelsResponseSchema, {
        models: page.models.map(modelToProto),
        nextPageToken: page.nextPageToken ?? '',
        totalSize: page.total,
      });
    },
  };
}
