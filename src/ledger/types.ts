// One usage ledger row (table usage_ledger, migration 0003): what one executed Chat or Embed
// cost, as the upstream reported it (or as estimated, flagged, when it reported nothing).

export type LedgerStatus = 'ok' | 'error' | 'cancelled' | 'refused';

export interface LedgerRow {
  /** The decision id: primary key, so a row can never be counted twice. */
  decisionId: string;
  /** The caller's request_id (may repeat across calls). */
  requestId: string;
  tenantId: string;
  apiKeyId: string;
  workerId: string;
  taskType: string;
  rpc: 'Chat' | 'Embed';
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  /** pico-USD */
  cost: bigint;
  /** True when the upstream reported no usage and the counts are Switchyard's estimate. */
  estimated: boolean;
  /** The catalog version whose prices were used. */
  priceVersion: string;
  latencyMs: number;
  /** Time to first token (streams); undefined when no token came. */
  ttftMs?: number;
  status: LedgerStatus;
  attempts: number;
  createdAt: Date;
}
