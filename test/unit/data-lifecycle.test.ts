// Data lifecycle pieces that need no database: the config keys, Route sampling by id, and the
// time a UUIDv7 carries (the partition a decision lives in).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { uuidv7, uuidv7Time } from '../../src/ids.js';
import { sampledIn } from '../../src/ledger/decision-writer.js';

function load(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-lifecycle-'));
  writeFileSync(join(dir, 'switchyard.yaml'), yaml);
  return loadConfig({ config: join(dir, 'switchyard.yaml') }, {});
}

describe('data lifecycle config', () => {
  it('defaults: decisions kept 30 days, every Route stored, the ledger kept forever', () => {
    expect(loadConfig({}, {}).dataLifecycle).toEqual({ decisionsRetentionDays: 30, usageLedgerRetentionDays: null, routeSampleRate: 1 });
  });

  it('reads decisions.retention_days, decisions.route_sample_rate and usage_ledger.retention_days', () => {
    const c = load('decisions:\n  retention_days: 7\n  route_sample_rate: 0.05\nusage_ledger:\n  retention_days: 400\n');
    expect(c.dataLifecycle).toEqual({ decisionsRetentionDays: 7, usageLedgerRetentionDays: 400, routeSampleRate: 0.05 });
    expect(load('decisions:\n  retention_days: null\n').dataLifecycle.decisionsRetentionDays).toBeNull();
  });

  it('rejects a rate outside 0..1, a retention under one day and unknown keys', () => {
    for (const bad of [
      'decisions:\n  route_sample_rate: 1.5\n',
      'decisions:\n  route_sample_rate: -0.1\n',
      'decisions:\n  retention_days: 0\n',
      'usage_ledger:\n  retention_days: 2.5\n',
      'decisions:\n  retention: 3\n',
    ]) {
      expect(() => load(bad), bad).toThrow(ConfigError);
    }
  });
});

describe('Route sampling', () => {
  it('0 stores none, 1 stores all, a rate in between stores about that share', () => {
    const ids = Array.from({ length: 20_000 }, () => randomUUID());
    expect(ids.filter((id) => sampledIn(id, 0))).toHaveLength(0);
    expect(ids.filter((id) => sampledIn(id, 1))).toHaveLength(ids.length);
    // Binomial: 20,000 draws at 0.25 have a standard deviation of ~61 around 5,000.
    const kept = ids.filter((id) => sampledIn(id, 0.25)).length;
    expect(kept).toBeGreaterThan(4_600);
    expect(kept).toBeLessThan(5_400);
  });

  it('is decided by the id alone: every replica makes the same choice', () => {
    const ids = Array.from({ length: 1_000 }, () => uuidv7());
    expect(ids.map((id) => sampledIn(id, 0.3))).toEqual(ids.map((id) => sampledIn(id, 0.3)));
    // A lower rate keeps a subset of what a higher one keeps.
    expect(ids.filter((id) => sampledIn(id, 0.1)).every((id) => sampledIn(id, 0.3))).toBe(true);
  });
});

describe('uuidv7Time', () => {
  it('reads back the milliseconds a UUIDv7 was minted with; other ids have none', () => {
    const t = Date.UTC(2031, 0, 2, 3, 4, 5, 678);
    expect(uuidv7Time(uuidv7(t))).toBe(t);
    expect(uuidv7Time(uuidv7(t).toUpperCase())).toBe(t);
    expect(uuidv7Time(randomUUID())).toBeUndefined();
    expect(uuidv7Time('not-a-uuid')).toBeUndefined();
  });
});
