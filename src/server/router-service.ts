// RouterService, written once as a Connect ServiceImpl and served on both ports.
// Handlers validate, convert to domain types, call the domain, and convert back.
import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { ModelKind } from '../../gen/switchyard/v1/common_pb.js';
import {
  ListModelsRequestSchema,
  ListModelsResponseSchema,
  ModelMetadataResponseSchema,
  RouteRequestSchema,
  RouteResponseSchema,
  type ListModelsRequest,
  type ModelMetadataRequest,
  type RouteRequest,
  type GetDecisionRequest,
  GetDecisionResponseSchema,
  ReplayResultSchema,
  type RouteResponse,
  type RouterService,
} from '../../gen/switchyard/v1/router_pb.js';
import type { Catalog } from '../catalog/catalog.js';
import { SwitchyardError } from '../errors.js';
import { estimateInputTokens, HEURISTIC_TOKENIZER } from '../routing/estimate.js';
import { plan, type RoutingSnapshot } from '../routing/planner.js';
import { chatService, contextOf, decisionRow, routeInputs, type ChatRuntime } from './chat-service.js';
import { replay, type DecisionInputs, type StoredPlan } from '../routing/decision.js';
import type { PlanRequest } from '../routing/types.js';
import { decisionToProto } from './decision-convert.js';
import { principalOf } from './guard.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
import {
  type Complete,
  candidateToProto,
  capabilityFromProto,
  estimableMessages,
  estimateToProto,
  exclusionToProto,
  kindFromProto,
  modelToProto,
  requirementsFromProto,
  sensitivityFromProto,
  strategyFromProto,
  strategyToProto,
} from './convert.js';
import { checkMaxOutput, checkMessages, checkModel, checkRequestId, checkRequirements, Violations } from './validate.js';

export interface RouterRuntime extends ChatRuntime {
  /** The current immutable routing snapshot (swapped atomically when config changes). */
  snapshot(): RoutingSnapshot & { catalog: Catalog };
}

export function routerService(rt: RouterRuntime): Partial<ServiceImpl<typeof RouterService>> {
  return {
    ...chatService(rt),
    async route(req: RouteRequest, ctx: HandlerContext) {
      const v = new Violations();
      v.enums(RouteRequestSchema, req);
      const snap = rt.snapshot();
      const who = routeInputs(ctx, req.context);
      checkModel(v, req.model, 'model', { rules: snap.routes, ...who });
      checkMaxOutput(v, req.maxOutputTokens, 'max_output_tokens');
      checkMessages(v, req.messages, rt.maxMessageBytes, false);
      checkRequirements(v, req.requirements);
      checkRequestId(v, req.requestId);
      v.throwIfAny();

      const planReq: PlanRequest = {
        model: req.model,
        ...who,
        kind: kindFromProto(req.kind),
        inputTokens: estimateInputTokens(estimableMessages(req.messages)),
        tokenizer: HEURISTIC_TOKENIZER,
        maxOutputTokens: Number(req.maxOutputTokens),
        requirements: requirementsFromProto(req.requirements),
        sensitivity: req.context ? sensitivityFromProto(req.context.sensitivity) : 'unspecified',
        strategy: strategyFromProto(req.strategy),
      };
      const circuits = rt.executor.breakers.snapshot();
      const p = plan(planReq, snap, circuits);
      const decisionId = randomUUID();
      rt.decisions.record(decisionRow('Route', decisionId, ctx, snap, planReq, circuits, p, contextOf(req.context, req.requestId)));
      return {
        $typeName: RouteResponseSchema.typeName,
        decisionId,
        candidates: p.candidates.map(candidateToProto),
        excluded: p.excluded.map(exclusionToProto),
        estimate: estimateToProto(p.estimate),
        policyVersion: snap.policyVersion,
        strategy: strategyToProto(p.strategy),
        resolved: p.resolved,
        catalogVersion: snap.catalog.version,
      } satisfies Complete<RouteResponse>;
    },

    async getDecision(req: GetDecisionRequest, ctx: HandlerContext) {
      const v = new Violations();
      if (!UUID.test(req.decisionId)) v.add('decision_id', 'must be a decision id (a UUID)');
      v.throwIfAny();
      const row = await rt.decisions.get(req.decisionId.toLowerCase());
      const who = principalOf(ctx);
      // Another tenant's decision is reported as missing: its existence is not revealed.
      if (!row || (!who.admin && row.tenantId !== who.tenant)) {
        throw new SwitchyardError('not_found', `decision "${req.decisionId}" not found`, {
          reason: 'DECISION_NOT_FOUND',
          metadata: { decision_id: req.decisionId },
        });
      }
      const out = create(GetDecisionResponseSchema, { decision: decisionToProto(row) });
      if (req.replay) {
        const r = replay(
          { inputs: row.inputs as DecisionInputs, plan: row.plan as StoredPlan, catalogVersion: row.catalogVersion, policyVersion: row.policyVersion },
          rt.snapshot(),
        );
        out.replay = create(ReplayResultSchema, { identical: r.identical, differences: r.differences });
      }
      return out;
    },

    async modelMetadata(req: ModelMetadataRequest) {
      const v = new Violations();
      checkModel(v, req.model);
      v.throwIfAny();
      const snap = rt.snapshot();
      const alias = snap.aliases.get(req.model);
      const name = alias?.targets[0]?.model ?? req.model;
      const model = snap.catalog.resolve(name, snap.preferredVendors);
      if (!model) {
        throw new SwitchyardError('not_found', `model "${req.model}" is neither a known model nor an alias`, {
          reason: 'MODEL_NOT_FOUND',
          metadata: { model: req.model },
        });
      }
      return create(ModelMetadataResponseSchema, { model: modelToProto(model) });
    },

    async listModels(req: ListModelsRequest) {
      const v = new Violations();
      v.enums(ListModelsRequestSchema, req);
      if (req.pageSize < 0) v.add('page_size', 'must not be negative');
      if (req.minContextTokens < 0n) v.add('min_context_tokens', 'must not be negative');
      v.throwIfAny();
      const { catalog } = rt.snapshot();
      const page = catalog.list(
          {
            vendor: req.provider || undefined,
            kind: req.kind === ModelKind.UNSPECIFIED ? undefined : kindFromProto(req.kind),
            capabilities: req.capabilities.map(capabilityFromProto),
            minContextTokens: Number(req.minContextTokens),
            localOnly: req.localOnly,
            query: req.query || undefined,
          },
          req.pageSize,
          req.pageToken,
        );
      return create(ListModelsResponseSchema, {
        models: page.models.map(modelToProto),
        nextPageToken: page.nextPageToken ?? '',
        totalSize: page.total,
      });
    },
  };
}
