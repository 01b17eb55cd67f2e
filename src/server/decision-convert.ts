// Stored decision (JSON-safe domain form) → the Decision proto message.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { DecisionSchema, ExclusionReason, type Decision } from '../../gen/switchyard/v1/router_pb.js';
import { planFromRecord, type StoredEstimate } from '../routing/decision.js';
import type { DecisionRow } from '../store/repos/decisions.js';

const estimate = (e: StoredEstimate) => ({
  inputTokens: BigInt(e.inputTokens),
  maxOutputTokens: BigInt(e.maxOutputTokens),
  inputCost: BigInt(e.inputCost),
  maxCost: BigInt(e.maxCost),
  tokenizer: e.tokenizer,
});

export function decisionToProto(row: DecisionRow): Decision {
  const plan = planFromRecord(row.plan);
  return create(DecisionSchema, {
    id: row.id,
    createdAt: timestampFromDate(row.createdAt),
    tenant: row.tenantId,
    rpc: row.rpc,
    inputsJson: JSON.stringify(row.inputs),
    candidates: plan.candidates.map((c, rank) => ({
      provider: c.provider,
      model: c.model,
      upstreamModel: c.upstreamModel,
      estimate: estimate(c.estimate),
      rank,
    })),
    excluded: plan.excluded.map((e) => ({
      provider: e.provider,
      model: e.model,
      reason: ExclusionReason[e.reason.toUpperCase() as keyof typeof ExclusionReason] ?? ExclusionReason.UNSPECIFIED,
      detail: e.detail,
    })),
    estimate: estimate(plan.estimate),
    policyVersion: row.policyVersion,
    catalogVersion: row.catalogVersion,
    outcomeJson: row.outcome === undefined ? '' : JSON.stringify(row.outcome),
  });
}
