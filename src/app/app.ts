// Starts one Switchyard replica: storage, state, both listeners. Returns a handle whose
// close() drains both listeners and then the database.
import { AdminService } from '../../gen/switchyard/v1/admin_pb.js';
import { RouterService } from '../../gen/switchyard/v1/router_pb.js';
import { ConfigError, DEFAULT_OBSERVABILITY, type ResolvedConfig } from '../config/load.js';
import { PromMetrics } from '../metrics/metrics.js';
import { metricsRoute } from '../server/metrics-route.js';
import { endpointKey } from '../routing/health.js';
import { createLogger, type Logger } from '../log.js';
import { Authenticator } from '../server/auth.js';
import { adminDeps } from '../admin/deps.js';
import { adminService } from '../server/admin-service.js';
import { startGrpcServer, type RunningGrpcServer } from '../server/grpc-server.js';
import { guard } from '../server/guard.js';
import { startHttpServer, type RunningHttpServer } from '../server/http-server.js';
import { routerService } from '../server/router-service.js';
import { httpApiRoutes } from '../server/http-apis.js';
import { useNodeTextEncoding } from '../server/text-encoding.js';
import { type Db } from '../store/db.js';
import { openDb } from '../store/open.js';
import { closeUpstreamPools } from '../providers/http.js';
import { migrate } from '../store/migrate.js';
import { startJanitor } from '../store/partitions.js';
import { findApiKeyByHash } from '../store/repos/api-keys.js';
import { getTenant } from '../store/repos/tenants.js';
import { POLICY_CHANNEL } from '../store/repos/policies.js';
import { KeyVault } from '../admin/key-vault.js';
import { DecisionWriter } from '../ledger/decision-writer.js';
import { openSpool } from './spool-config.js';
import { randomUUID } from 'node:crypto';
import { DEFAULT_ESCROW, EscrowEngine, type EscrowOptions } from '../budget/escrow.js';
import { hostname } from 'node:os';
import { LedgerWriter } from '../ledger/writer.js';
import { seedFromConfig, storedKeyCount } from '../admin/seed.js';
import { preloadTokenizers } from '../routing/tokenizer.js';
import { assertConfigPolicies } from '../routing/policy-config.js';
import { CONFIG_CHANNEL, EFFECTS, type ChangeKind } from '../admin/publish.js';
import { RELOAD_BACKSTOP_MS, RuntimeState } from './state.js';
import { configLimits } from '../admin/limit-config.js';
import { startLimiter, type LimiterTuning } from './limiter.js';
import { resolveDemo } from './demo.js';
import { healthRoutes } from '../server/health.js';
import { Readiness } from './readiness.js';
import { applyConfig, staticKeys } from './reload.js';

export interface AppOptions {
  config: ResolvedConfig;
  log?: Logger;
  /** An already-open database (tests); otherwise opened from the config. */
  db?: Db;
  env?: NodeJS.ProcessEnv;
  /** Escrow lease tuning (tests and benches). */
  escrow?: Partial<EscrowOptions>;
  /** Rate limiter tuning (tests): a shared clock, lease length, key prefix. */
  limiter?: LimiterTuning;
  /** The demo provider (src/app/demo.ts): on, or `auto` (on in dev mode when no provider is configured). */
  demo?: 'on' | 'auto';
  /** How often readiness probes the database (tests shorten it). */
  readinessIntervalMs?: number;
}

export interface App {
  grpcPort: number;
  httpPort: number;
  db: Db;
  state: RuntimeState;
  auth: Authenticator;
  devMode: boolean;
  /** /healthz/ready and the gRPC health service: false while the database is unreachable or draining. */
  readiness: Readiness;
  /** The config in force (the start-up one, or the last one reloadConfig applied). */
  config(): ResolvedConfig;
  /** Applies a re-read config file (SIGHUP); throws, changing nothing, when it breaks a rule. */
  reloadConfig(next: ResolvedConfig): Promise<void>;
  close(graceMs?: number): Promise<void>;
}

/** Pending work shown in UNIMPLEMENTED messages, so callers know it is coming, not broken. */
const ROUTER_PENDING = 'not built in this version';
const ADMIN_PENDING = 'not built in this version';
/** AdminService methods a tenant key may call (for its own tenant). */
const TENANT_ADMIN_METHODS = new Set(['QueryUsage']);
/** Daily partitions kept ready after today: a replica may be down over a day boundary. */
const PARTITION_DAYS_AHEAD = 3;
/** Hourly is plenty for daily partitions created days ahead. */
const JANITOR_INTERVAL_MS = 3_600_000;

export async function startApp(opts: AppOptions): Promise<App> {
  let { config } = opts;
  // Before anything is opened: a tenant policy that widens the platform's is a config error.
  assertConfigPolicies(config);
  useNodeTextEncoding();
  const env = opts.env ?? process.env;
  const log = opts.log ?? createLogger();
  const db =
    opts.db ??
    (await openDb({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      onBackgroundError: (err) => log.warn('database background error', { error: err }),
    }));
  const ownsDb = !opts.db;
  try {
    const t0 = Date.now();
    const migrated = await migrate(db);
    log.info('database ready', { kind: db.kind, applied: migrated.applied?.length ?? 0, ms: Date.now() - t0 });
    await seedFromConfig(db, config);

    const devMode = !config.adminKeyHash && config.keys.length === 0 && (await storedKeyCount(db)) === 0;
    if (devMode) assertLoopback(config);
    const demo = await resolveDemo(db, config, { demo: opts.demo, devMode });
    config = demo.config;

    const vault = new KeyVault(env.SWITCHYARD_SECRET_KEY);
    const decisions = new DecisionWriter(db, log, {
      routeSampleRate: config.dataLifecycle.routeSampleRate,
      spool: openSpool('decisions', config, env),
    });
    // Daily partitions ahead and retention (src/store/partitions.ts); every replica runs it, the
    // advisory lock makes one at a time do the work. The first run finishes before serving so
    // today's partition exists; a failure is logged and the DEFAULT partition keeps inserts working.
    const janitor = startJanitor(
      db,
      {
        daysAhead: PARTITION_DAYS_AHEAD,
        intervalMs: JANITOR_INTERVAL_MS,
        retentionDays: {
          decisions: config.dataLifecycle.decisionsRetentionDays,
          usage_ledger: config.dataLifecycle.usageLedgerRetentionDays,
        },
      },
      (err, r) => {
        if (err) log.warn('partition janitor failed; retried at its next run', { error: err });
        else if (r && (r.created.length || r.dropped.length || r.moved || r.expired)) log.info('partitions maintained', { ...r });
      },
    );
    await janitor.first;
    // Each process start is a new replica: its leases are its own, and a crashed start's
    // leases are swept by whoever is alive.
    const replicaId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const escrow = new EscrowEngine(db, log, { replicaId, ...DEFAULT_ESCROW, ...escrowFromEnv(env), ...opts.escrow });
    const ledger = new LedgerWriter(db, log, escrow, { spool: openSpool('ledger', config, env) });
    const limitDefs = await configLimits(db, config);
    const observability = config.observability ?? DEFAULT_OBSERVABILITY;
    // One registry per replica (tests run several in one process).
    const metrics = new PromMetrics({ tenantLabel: observability.tenantLabel, maxTenants: observability.maxTenants });
    const limits = await startLimiter(config, log, () => state.limits(), opts.limiter);
    const state = new RuntimeState({
      config,
      db,
      vault,
      log,
      env,
      decisions,
      money: { escrow, ledger },
      limiter: limits?.limiter,
      configLimits: limitDefs,
      telemetry: { metrics, log, accessLog: observability.accessLog },
    });
    // Gauges of state owned here, read at each scrape.
    metrics.watch({
      ledgerPending: () => ledger.pending,
      ledgerSpooled: () => ledger.stats().spooled,
      decisions: () => decisions.stats(),
      circuitState: (provider, model) => state.executor.breakers.state(endpointKey(provider, model)),
      budgets: () => state.budgets().all(),
      catalogVersion: () => state.snapshot().catalog.version,
    });
    escrow.start();
    await state.reload();
    // OpenAI's tokenizer is built once, before serving, when an OpenAI-family provider is configured.
    await preloadTokenizers(state.snapshot().providers);
    // Admin changes made on another replica arrive by NOTIFY; a periodic re-read backs it up.
    const reloadQuietly = () => void state.reload().catch((err) => log.warn('routing state reload failed', { error: err }));
    // Another replica's admin change: the same effects here as there (admin/publish.ts), so a
    // revoked key or a disabled tenant stops working on every replica at once.
    const onConfigChange = (payload: string) => {
      const effects = EFFECTS[payload as ChangeKind] ?? { reload: true, auth: true };
      if (effects.auth) auth.invalidate();
      if (effects.reload) reloadQuietly();
    };
    const configKeys = staticKeys(config);
    const auth = new Authenticator({
      devMode,
      staticKeys: configKeys,
      lookup: async (hash) => {
        const key = await findApiKeyByHash(db, hash);
        if (!key || key.revoked) return undefined;
        if (key.tenantId) {
          const tenant = await getTenant(db, key.tenantId);
          if (!tenant || tenant.disabled) return undefined;
        }
        return { tenant: key.tenantId ?? '', admin: key.admin, keyId: key.id };
      },
    });
    const unlistenConfig = await db.listen(CONFIG_CHANNEL, onConfigChange);
    // Every policy version appended (AdminService, or another replica seeding its config) NOTIFYs this.
    const unlistenPolicy = await db.listen(POLICY_CHANNEL, reloadQuietly);
    const unlisten = () => Promise.all([unlistenConfig(), unlistenPolicy()]).then(() => undefined);
    const backstop = setInterval(reloadQuietly, RELOAD_BACKSTOP_MS).unref();

    const logError = (message: string, err: unknown) => log.error(message, { error: err });
    const router = guard(RouterService, routerService(state, { maxMessageBytes: config.maxMessageBytes }), {
      auth,
      log: logError,
      pending: ROUTER_PENDING,
    });
    const admin = guard(AdminService, adminService(adminDeps({ db, state, vault, auth, env })), {
      auth,
      tenantMethods: TENANT_ADMIN_METHODS,
      log: logError,
      pending: ADMIN_PENDING,
    });
    // The transports allow a little more than the message limit so that an oversized
    // conversation reaches validation and gets INVALID_ARGUMENT naming the field.
    const transportLimit = config.maxMessageBytes * 2 + 64 * 1024;
    const logger = { error: (m: string, f?: Record<string, unknown>) => log.error(m, f) };

    let grpc: RunningGrpcServer | undefined;
    let http: RunningHttpServer | undefined;
    const readiness = new Readiness({
      db,
      log,
      intervalMs: opts.readinessIntervalMs,
      onChange: (ready) => grpc?.health.setAll(ready ? 'SERVING' : 'NOT_SERVING'),
    });
    const health = healthRoutes(readiness);
    // GET /metrics (Prometheus), unless `observability.metrics.enabled: false`.
    const scrape = observability.metricsEnabled ? metricsRoute(metrics, logError) : () => false;
    // The OpenAI- and Anthropic-compatible APIs, one dispatcher (/v1/messages is Anthropic's).
    const httpApis = httpApiRoutes({
      calls: state,
      auth,
      maxMessageBytes: config.maxMessageBytes,
      maxBodyBytes: transportLimit,
      log: logError,
    });
    try {
      grpc = await startGrpcServer({
        address: config.grpcListen,
        tls: config.tls,
        services: [
          { service: RouterService, impl: router },
          { service: AdminService, impl: admin },
        ],
        maxReceiveMessageBytes: transportLimit,
        logger,
      });
      http = await startHttpServer({
        address: config.httpListen,
        tls: config.tls,
        onTlsError: (err) => log.error('TLS files changed but cannot be loaded; the previous certificate stays in use', { error: err }),
        routes: (r) => {
          r.service(RouterService, router);
          r.service(AdminService, admin);
        },
        readMaxBytes: transportLimit,
        logger,
        // /healthz/live and /healthz/ready, then the OpenAI- and Anthropic-compatible APIs (/v1/...),
        // beside the Connect routes: the same use cases and keys.
        extraRoutes: (req, res, shutdown) => health(req, res) || scrape(req, res) || httpApis(req, res, shutdown),
      });
    } catch (err) {
      await grpc?.close(0);
      await limits?.close();
      await escrow.close();
      clearInterval(backstop);
      await janitor.stop();
      await unlisten().catch(() => undefined);
      throw new ConfigError(`cannot listen: ${(err as Error).message}`);
    }

    log.info('switchyard serving', {
      grpc: grpc.address,
      http: http.address,
      database: db.kind,
      providers: state.snapshot().providers.map((p) => ({ id: p.id, kind: p.kind, credentials: Boolean(p.apiKey) || p.local })),
      models: state.snapshot().catalog.size,
      catalog: state.snapshot().catalog.version,
    });
    if (demo.reason) {
      log.info('DEMO provider on: models demo/echo, demo/tools and demo/embed answer deterministically, cost 0, no network', {
        reason: demo.reason,
      });
    }
    if (devMode) {
      log.warn(
        'DEV MODE: no API keys are configured, every caller is the single tenant "dev" with admin rights. ' +
          'Set SWITCHYARD_ADMIN_KEY or configure tenant keys before exposing this server.',
      );
    }

    const grpcServer = grpc;
    const httpServer = http;
    readiness.start();
    let current = config;
    // One reload at a time: two SIGHUPs in a row apply in order, never interleaved.
    let reloading: Promise<void> = Promise.resolve();
    return {
      grpcPort: grpcServer.port,
      httpPort: httpServer.port,
      db,
      state,
      auth,
      devMode,
      readiness,
      config: () => current,
      reloadConfig(next) {
        const run = reloading.then(async () => {
          const deps = { db, state, log, staticKeys: configKeys, invalidateAuth: () => auth.invalidate(), devMode };
          // The demo provider is decided as at start-up, or a reload would drop it.
          const resolved = (await resolveDemo(db, next, { demo: opts.demo, devMode })).config;
          await applyConfig(deps, current, resolved);
          current = resolved;
        });
        reloading = run.catch(() => undefined);
        return run;
      },
      async close(graceMs = 5000) {
        // Not ready first, so load balancers stop sending calls while open ones finish.
        readiness.drain();
        readiness.stop();
        clearInterval(backstop);
        await unlisten().catch(() => undefined);
        await Promise.allSettled([grpcServer.close(graceMs), httpServer.close(graceMs)]);
        // Idle keep-alive sockets to upstreams would otherwise keep the process alive.
        await closeUpstreamPools();
        await limits?.close();
        // Money last: every call has settled once the listeners drained; the ledger rows and
        // the consumption they explain are written, then unused lease money goes back.
        // Calls cut off by the grace period settle as their generators unwind: wait for them.
        await escrow.drain(2_000);
        await ledger.close();
        await escrow.close();
        await decisions.close();
        await janitor.stop();
        if (ownsDb) await db.close();
      },
    };
  } catch (err) {
    if (ownsDb) await db.close().catch(() => undefined);
    throw err;
  }
}

/** Lease tuning for operators and tests: SWITCHYARD_BUDGET_LEASE_TTL_MS, _TICK_MS, _IDLE_RETURN_MS. */
function escrowFromEnv(env: NodeJS.ProcessEnv): Partial<EscrowOptions> {
  const out: Partial<EscrowOptions> = {};
  const num = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${name} must be a positive integer (milliseconds), got "${v}"`);
    return n;
  };
  const ttl = num('SWITCHYARD_BUDGET_LEASE_TTL_MS');
  const tick = num('SWITCHYARD_BUDGET_TICK_MS');
  const idle = num('SWITCHYARD_BUDGET_IDLE_RETURN_MS');
  if (ttl) out.leaseTtlMs = ttl;
  if (tick) out.tickMs = tick;
  if (idle) out.idleReturnMs = idle;
  const effectiveTtl = ttl ?? DEFAULT_ESCROW.leaseTtlMs;
  const effectiveTick = tick ?? DEFAULT_ESCROW.tickMs;
  if (effectiveTick * 3 >= effectiveTtl) {
    throw new ConfigError(
      `SWITCHYARD_BUDGET_TICK_MS (${effectiveTick}) must be under a third of SWITCHYARD_BUDGET_LEASE_TTL_MS (${effectiveTtl}): leases are renewed every tick`,
    );
  }
  return out;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/;

/** Dev mode (no keys) is refused on any address reachable from another machine. */
function assertLoopback(config: ResolvedConfig): void {
  for (const [flag, address] of [
    ['--grpc-listen', config.grpcListen],
    ['--http-listen', config.httpListen],
  ] as const) {
    // A unix socket is reachable only on this machine, like loopback.
    if (address.startsWith('unix:')) continue;
    const host = address.slice(0, address.lastIndexOf(':'));
    if (!LOOPBACK.test(host)) {
      throw new ConfigError(
        `${flag} ${address} is not a loopback address, and no API keys are configured. ` +
          'Set SWITCHYARD_ADMIN_KEY (or tenant keys in the config) to serve beyond localhost.',
      );
    }
  }
}
