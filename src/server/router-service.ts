// RouterService, written once as a Connect ServiceImpl and served on both ports.
// Handlers validate, convert to domain types, call the domain, and convert back.
import { uuidv7 } from '../ids.js';
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
import { countInputTokens, encodingForRequest } from '../routing/tokenizer.js';
import { plan, type RoutingSnapshot } from '../routing/planner.js';
import { planEnvFor } from '../routing/seed.js';
import { effectiveFor, type PolicySnapshot } from '../routing/policy.js';
import { planPrivacy } from './policy-convert.js';
import { chatService, contextOf, decisionRow, routeInputs, type ChatRuntime } from './chat-service.js';
import { planFromRecord, replay, type DecisionInputs } from '../routing/decision.js';
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
  strategyFromProto,
  strategyToProto,
} from './convert.js';
import { checkMaxOutput, checkMessages, checkModel, checkContextIds, checkRequestId, checkRequirements, Violations } from './validate.js';

export interface RouterRuntime extends ChatRuntime {
  /** The current immutable routing snapshot (swapped atomically when config changes). */
  snapshot(): RoutingSnapshot & { catalog: Catalog };
  /** A stored policy version ("platform:2+tenant:acme:1") for what-if replays; errors name `field`. */
  policyAt(version: string, tenant: string, field: string): Promise<PolicySnapshot>;
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
      checkContextIds(v, req.context);
      v.throwIfAny();

      // Privacy labels (sensitivity, local_required, modality, findings) become planner inputs.
      const privacy = planPrivacy(req.context, requirementsFromProto(req.requirements));
      // The tokenizer of the model the request resolves to (tiktoken for OpenAI's, else the heuristic).
      const input = countInputTokens(estimableMessages(req.messages), encodingForRequest(snap, req.model, who));
      const planReq: PlanRequest = {
        model: req.model,
        ...who,
        kind: kindFromProto(req.kind),
        inputTokens: input.inputTokens,
        tokenizer: input.tokenizer,
        maxOutputTokens: Number(req.maxOutputTokens),
        requirements: privacy.requirements,
        sensitivity: privacy.sensitivity,
        ...(privacy.localRequired ? { localRequired: true } : {}),
        strategy: strategyFromProto(req.strategy),
      };
      const env = planEnvFor(rt.executor, snap, planReq, req.requestId);
      const p = plan(planReq, snap, env);
      const decisionId = uuidv7();
      rt.decisions.record(decisionRow('Route', decisionId, ctx, snap, planReq, env, p, contextOf(req.context, req.requestId)));
      return {
        $typeName: RouteResponseSchema.typeName,
        decisionId,
        candidates: p.candidates.map(candidateToProto),
        excluded: p.excluded.map(exclusionToProto),
        estimate: estimateToProto(p.estimate),
        policyVersion: effectiveFor(snap, planReq.tenant).version,
        strategy: strategyToProto(p.strategy),
        resolved: p.resolved,
        catalogVersion: snap.catalog.version,
      } satisfies Complete<RouteResponse>;
    },

    async getDecision(req: GetDecisionRequest, ctx: HandlerContext) {
      const v = new Violations();
      if (!UUID.test(req.decisionId)) v.add('decision_id', 'must be a decision id (a UUID)');
      if (req.replayPolicyVersion.length > 300) v.add('replay_policy_version', 'must be at most 300 characters');
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
      if (req.replay || req.replayPolicyVersion !== '') {
        const inputs = row.inputs as DecisionInputs;
        const tenant = inputs.request.tenant ?? '';
        let snap: RoutingSnapshot = rt.snapshot();
        if (req.replayPolicyVersion !== '') {
          // What-if: the same inputs under another (stored) policy version.
          const policy = await rt.policyAt(req.replayPolicyVersion, tenant, 'replay_policy_version');
          snap = { ...snap, policy, policyVersion: policy.platform.version };
        }
        const r = replay(
          { inputs, plan: planFromRecord(row.plan), catalogVersion: row.catalogVersion, policyVersion: row.policyVersion },
          snap,
        );
        out.replay = create(ReplayResultSchema, { identical: r.identical, differences: r.differences, policyVersion: effectiveFor(snap, tenant).version });
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
