// The storage suite: every case runs on a fresh Postgres database and on the shared in-memory
// PGlite. It is one test file on purpose: vitest gives each file its own process, and PGlite
// costs seconds and most of a GB to open, so the suites are modules registered here.

import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { BACKENDS, openTestDb, resetData } from '../helpers/db.js';
import type { StorageCtx } from './suites/context.js';
import { driverSuite } from './suites/driver.js';
import { listenSuite } from './suites/listen.js';
import { migrationsSuite } from './suites/migrations.js';
import { tenantsSuite } from './suites/tenants.js';
import { apiKeysSuite } from './suites/api-keys.js';
import { configSuite } from './suites/config.js';
import { policiesSuite } from './suites/policies.js';
import { policyOverlaysSuite } from './suites/policy-overlays.js';
import { decisionsSuite } from './suites/decisions.js';
import { escrowSuite } from './suites/escrow.js';
import { budgetsSuite } from './suites/budgets.js';
import { usageSuite } from './suites/usage.js';
import { reloadSuite } from './suites/reload.js';
import { partitionsSuite } from './suites/partitions.js';
import { moneyEdgesSuite } from './suites/money-edges.js';

describe.each(BACKENDS)('storage on %s', (backend) => {
  const ctx = { backend } as StorageCtx;
  let release: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    const t = await openTestDb(backend);
    ctx.db = t.db;
    ctx.url = t.url;
    release = t.release;
  }, 120_000);
  afterAll(() => release());
  beforeEach(() => resetData(ctx.db));

  driverSuite(ctx);
  listenSuite(ctx);
  migrationsSuite(ctx);
  tenantsSuite(ctx);
  apiKeysSuite(ctx);
  configSuite(ctx);
  policiesSuite(ctx);
  policyOverlaysSuite(ctx);
  decisionsSuite(ctx);
  escrowSuite(ctx);
  budgetsSuite(ctx);
  usageSuite(ctx);
  reloadSuite(ctx);
  partitionsSuite(ctx);
  moneyEdgesSuite(ctx);
});
