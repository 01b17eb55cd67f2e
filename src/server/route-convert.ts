// RouteRequest (proto) → the Route use case's intent; its outcome → RouteResponse.
import type { RouteRequest, RouteResponse } from '../../gen/switchyard/v1/router_pb.js';
import { RouteRequestSchema, RouteResponseSchema } from '../../gen/switchyard/v1/router_pb.js';
import type { PlanIntent } from '../calls/plan-call.js';
import type { RouteOutcome } from '../calls/route.js';
import {
  type Complete,
  candidateToProto,
  contextFromProto,
  estimableMessages,
  estimateToProto,
  exclusionToProto,
  kindFromProto,
  requirementsFromProto,
  strategyFromProto,
  strategyToProto,
} from './convert.js';
import { checkContextIds, checkMaxOutput, checkMessages, checkModel, checkRequestId, checkRequirements, Violations } from './validate.js';

/** Validated (INVALID_ARGUMENT naming every bad field), then converted. */
export function routeIntentFromProto(req: RouteRequest, maxMessageBytes: number, routes: Parameters<typeof checkModel>[3]): PlanIntent {
  const v = new Violations();
  v.enums(RouteRequestSchema, req);
  checkModel(v, req.model, 'model', routes);
  checkMaxOutput(v, req.maxOutputTokens, 'max_output_tokens');
  checkMessages(v, req.messages, maxMessageBytes, false);
  checkRequirements(v, req.requirements);
  checkRequestId(v, req.requestId);
  checkContextIds(v, req.context);
  v.throwIfAny();
  return {
    model: req.model,
    kind: kindFromProto(req.kind),
    input: { messages: estimableMessages(req.messages) },
    maxOutputTokens: Number(req.maxOutputTokens),
    requirements: requirementsFromProto(req.requirements),
    strategy: strategyFromProto(req.strategy),
    context: contextFromProto(req.context, req.requestId),
  };
}

// Built as a complete message literal rather than with `create()`: Route is the hot path and
// create()'s reflective walk was a measurable share of it; `satisfies` keeps every field typed.
export function routeResponseToProto(r: RouteOutcome): RouteResponse {
  const p = r.plan;
  return {
    $typeName: RouteResponseSchema.typeName,
    decisionId: r.decisionId,
    candidates: p.candidates.map(candidateToProto),
    excluded: p.excluded.map(exclusionToProto),
    estimate: estimateToProto(p.estimate),
    policyVersion: r.policyVersion,
    strategy: strategyToProto(p.strategy),
    resolved: p.resolved,
    catalogVersion: r.catalogVersion,
  } satisfies Complete<RouteResponse>;
}
