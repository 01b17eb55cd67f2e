// PromMetrics on its own, each test with a fresh registry: the tenant label (off by default,
// capped when on) and the gauges read from their sources at scrape time.
import { describe, expect, it } from 'vitest';
import { OTHER_TENANT, PromMetrics } from '../../src/metrics/metrics.js';
import { sampleValue } from './scrape.js';

function served(m: PromMetrics, tenant: string): void {
  const call = m.begin('Chat', tenant);
  call.dispatched('oai', 'oai/text');
  call.usage(3, 2, 5n);
  call.end('ok');
}

describe('PromMetrics', () => {
  it('has no tenant label unless enabled', async () => {
    const m = new PromMetrics({ processMetrics: false });
    served(m, 'acme');
    const text = await m.render();
    expect(text).not.toContain('tenant=');
    expect(sampleValue(text, 'switchyard_requests_total', { rpc: 'Chat', provider: 'oai', model: 'oai/text', outcome: 'ok' })).toBe(1);
  });

  it('caps the distinct tenant values, counting later tenants as "_other"', async () => {
    const m = new PromMetrics({ processMetrics: false, tenantLabel: true, maxTenants: 2 });
    for (const t of ['a', 'b', 'c', 'd', 'a']) served(m, t);
    const text = await m.render();
    const labels = (tenant: string) => ({ provider: 'oai', model: 'oai/text', tenant });
    expect(sampleValue(text, 'switchyard_cost_picousd_total', labels('a'))).toBe(10);
    expect(sampleValue(text, 'switchyard_cost_picousd_total', labels('b'))).toBe(5);
    expect(sampleValue(text, 'switchyard_cost_picousd_total', labels(OTHER_TENANT))).toBe(10);
    expect(text).not.toMatch(/tenant="[cd]"/);
  });

  it('reads queues, circuits, budgets and the catalog version from their sources when scraped', async () => {
    const m = new PromMetrics({ processMetrics: false });
    let circuit: 'closed' | 'open' = 'closed';
    m.watch({
      ledgerPending: () => 7,
      decisions: () => ({ pending: 3, spooled: 2, dropped: 1 }),
      circuitState: () => circuit,
      budgets: () => [{ id: 'b1', limit: 5_000_000n }],
      catalogVersion: () => 'embedded-2026-01+3',
    });
    served(m, 'acme');
    circuit = 'open';
    const text = await m.render();
    expect(sampleValue(text, 'switchyard_queue_depth', { queue: 'ledger' })).toBe(7);
    expect(sampleValue(text, 'switchyard_queue_depth', { queue: 'decisions' })).toBe(3);
    expect(sampleValue(text, 'switchyard_decisions_dropped_total', {})).toBe(1);
    expect(sampleValue(text, 'switchyard_circuit_state', { provider: 'oai', model: 'oai/text', state: 'open' })).toBe(1);
    expect(sampleValue(text, 'switchyard_circuit_state', { provider: 'oai', model: 'oai/text', state: 'closed' })).toBe(0);
    expect(sampleValue(text, 'switchyard_budget_limit_picousd', { budget: 'b1' })).toBe(5_000_000);
    expect(sampleValue(text, 'switchyard_catalog_info', { version: 'embedded-2026-01+3' })).toBe(1);
  });
});
