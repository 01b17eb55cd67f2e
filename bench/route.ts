// npm run bench:route — Route RPC throughput and latency over gRPC, side by side in one run
// with two baselines answering the same response content:
//   - "bare grpc-js": a grpc-js service written the usual way (proto-loader, protobufjs
//     decoding the request and encoding the response) — the baseline of the ≥ 70% target;
//   - "byte echo": grpc-js with identity serialisers answering fixed bytes, the transport floor.
// Each server runs in its own child process; one client drives all three, in interleaved
// rounds so machine noise hits them alike. Ends with one JSON line of the figures.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { Role } from '../gen/switchyard/v1/common_pb.js';
import { RouteRequestSchema } from '../gen/switchyard/v1/router_pb.js';
import { unaryLoad, unaryOnce, type LoadResult } from './lib/grpc-load.js';
import { benchDb } from './lib/bench-db.js';
import { compileForBench, ROOT } from './lib/compile.js';

// Every server runs as shipped JavaScript (bench/lib/compile.ts); BENCH_TSX=1: under tsx.
const compiled = process.env.BENCH_TSX === '1' ? undefined : compileForBench(['bench/route-server.ts']);
const SERVER_ARGS = (mode: string) =>
  compiled ? [join(compiled, 'bench', 'route-server.js'), mode] : ['--import', 'tsx', 'bench/route-server.ts', mode];

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Each server is warmed alike first: V8 optimises a function after enough calls, and the
// replica has far more code per request than the baselines (see bench/chat.ts).
const WARM_MS = Number(process.env.BENCH_WARM_MS ?? 8000);
const PATH = '/switchyard.v1.RouterService/Route';
// The independent load generator: h2load (Debian's nghttp2-client) against Switchyard and the
// byte echo, `-c H2LOAD_CONNECTIONS -m H2LOAD_STREAMS`, H2LOAD_SECONDS a round.
const H2LOAD_CONNECTIONS = Number(process.env.BENCH_H2LOAD_C ?? 20);
const H2LOAD_STREAMS = Number(process.env.BENCH_H2LOAD_M ?? 10);
const H2LOAD_SECONDS = Number(process.env.BENCH_H2LOAD_SECONDS ?? 5);
const KEY = 'bench-tenant-key';

const configDir = mkdtempSync(join(tmpdir(), 'sy-bench-'));
const configPath = join(configDir, 'switchyard.yaml');
writeFileSync(
  configPath,
  `providers:
  - { id: openai, kind: openai, api_key_env: OPENAI_KEY }
  - { id: anthropic, kind: anthropic, api_key_env: ANTHROPIC_KEY }
aliases:
  smart:
    strategy: cheapest
    targets: [openai/gpt-4o, anthropic/claude-sonnet-4-5, openai/gpt-4o-mini]
tenants:
  - id: bench
    keys: [{ name: bench, key_env: BENCH_KEY }]
`,
);

const request = Buffer.from(
  toBinary(
    RouteRequestSchema,
    create(RouteRequestSchema, {
      model: 'smart',
      maxOutputTokens: 512n,
      messages: [
        { role: Role.SYSTEM, content: 'You are a concise assistant.' },
        { role: Role.USER, content: 'Summarise the plot of Hamlet in three sentences, please.' },
      ],
      requestId: 'bench',
    }),
  ),
);

async function spawnServer(
  mode: 'switchyard' | 'echo' | 'grpc-service',
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, SERVER_ARGS(mode), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
  return { child, address: `127.0.0.1:${port}` };
}

function row(name: string, r: LoadResult): string {
  return `${name.padEnd(12)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50Ms.toFixed(3)} ms   p99 ${r.p99Ms.toFixed(3)} ms   (${r.calls} calls, ${r.errors} errors)`;
}

const best = (rs: LoadResult[]) => rs.reduce((a, b) => (b.rps > a.rps ? b : a));

/** h2load's throughput (req/s) for one gRPC method; every answer must be a 200. */
function h2load(address: string, body: string, headers: Record<string, string>, seconds: number): number {
  const args = ['-c', String(H2LOAD_CONNECTIONS), '-m', String(H2LOAD_STREAMS), '-D', String(seconds), '-d', body];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const out = execFileSync('h2load', [...args, `http://${address}${PATH}`], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const rps = /finished in [^,]+, ([\d.]+) req\/s/.exec(out);
  const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  if (!rps || !status) throw new Error(`h2load output not understood:\n${out}`);
  if (Number(status[3]) + Number(status[4]) > 0) throw new Error(`h2load saw non-2xx answers:\n${out}`);
  return Number(rps[1]);
}

/** Whether h2load is installed (`apt-get install nghttp2-client`); its row says so if not. */
function hasH2load(): boolean {
  try {
    execFileSync('h2load', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const db = await benchDb();
  const sy = await spawnServer('switchyard', {
    BENCH_DATABASE_URL: db.url ?? '',
    BENCH_CONFIG: configPath,
    OPENAI_KEY: 'sk-bench',
    ANTHROPIC_KEY: 'sk-bench',
    BENCH_KEY: KEY,
  });
  const metadata = { authorization: `Bearer ${KEY}` };
  const reply = await unaryOnce(sy.address, PATH, request, metadata);
  const echo = await spawnServer('echo', { BENCH_REPLY_B64: reply.toString('base64') });
  const bare = await spawnServer('grpc-service', { BENCH_REPLY_B64: reply.toString('base64') });
  const load = (address: string, concurrency: number, durationMs: number) =>
    unaryLoad({ address, path: PATH, request, metadata, concurrency, durationMs });
  try {
    console.log(`Switchyard on ${db.label}; every Route is recorded as a decision`);
    console.log(
      `Route over gRPC: request ${request.length} B, response ${reply.length} B, concurrency ${CONCURRENCY}, ${ROUNDS}×${DURATION_MS} ms each, interleaved`,
    );
    for (const a of [sy.address, bare.address, echo.address]) await load(a, CONCURRENCY, WARM_MS); // JIT, connections
    const runs = { sy: [] as LoadResult[], bare: [] as LoadResult[], echo: [] as LoadResult[] };
    for (let i = 0; i < ROUNDS; i++) {
      runs.bare.push(await load(bare.address, CONCURRENCY, DURATION_MS));
      runs.sy.push(await load(sy.address, CONCURRENCY, DURATION_MS));
      runs.echo.push(await load(echo.address, CONCURRENCY, DURATION_MS));
    }
    const s = best(runs.sy);
    const b = best(runs.bare);
    const e = best(runs.echo);
    // Sequential (concurrency 1): per-call latency without queueing.
    const s1 = await load(sy.address, 1, 2000);
    const b1 = await load(bare.address, 1, 2000);
    const e1 = await load(echo.address, 1, 2000);
    console.log(row('switchyard', s));
    console.log(row('bare grpc-js', b));
    console.log(row('byte echo', e));
    console.log(row('switchyard·1', s1));
    console.log(row('bare·1', b1));
    console.log(row('echo·1', e1));
    // h2load: the same Route body framed as gRPC (flag byte, big-endian length), no client of ours.
    let h2: { switchyard: number; echo: number; ratio: number } | undefined;
    if (hasH2load()) {
      const body = join(configDir, 'route.grpc');
      const frame = Buffer.alloc(5 + request.length);
      frame.writeUInt32BE(request.length, 1);
      request.copy(frame, 5);
      writeFileSync(body, frame);
      const headers = { 'content-type': 'application/grpc', te: 'trailers', authorization: `Bearer ${KEY}` };
      h2load(sy.address, body, headers, 2); // warm: h2load's own connections
      h2load(echo.address, body, headers, 2);
      const hs: number[] = [];
      const he: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        hs.push(h2load(sy.address, body, headers, H2LOAD_SECONDS));
        he.push(h2load(echo.address, body, headers, H2LOAD_SECONDS));
      }
      const sw = Math.max(...hs);
      const ec = Math.max(...he);
      h2 = { switchyard: Math.round(sw), echo: Math.round(ec), ratio: Number((sw / ec).toFixed(3)) };
    }
    const ratio = s.rps / b.rps;
    console.log(`throughput switchyard / bare grpc-js: ${(ratio * 100).toFixed(1)}% (target ≥ 70%)`);
    console.log(`throughput switchyard / byte echo:    ${((s.rps / e.rps) * 100).toFixed(1)}%`);
    console.log(
      `added p50 at concurrency 1 vs bare grpc-js: ${(s1.p50Ms - b1.p50Ms).toFixed(3)} ms; vs byte echo: ${(s1.p50Ms - e1.p50Ms).toFixed(3)} ms`,
    );
    if (h2) {
      console.log(
        `h2load -c ${H2LOAD_CONNECTIONS} -m ${H2LOAD_STREAMS}: switchyard ${h2.switchyard} req/s, byte echo ${h2.echo} req/s, ratio ${h2.ratio.toFixed(2)} (target ≥ 0.70)`,
      );
    } else console.log('h2load: not installed (apt-get install nghttp2-client)');
    console.log(
      JSON.stringify({
        bench: 'route',
        ratio: Number(ratio.toFixed(3)),
        ratio_vs_byte_echo: Number((s.rps / e.rps).toFixed(3)),
        switchyard_rps: Math.round(s.rps),
        bare_grpc_rps: Math.round(b.rps),
        byte_echo_rps: Math.round(e.rps),
        p50_ms: Number(s.p50Ms.toFixed(3)),
        p99_ms: Number(s.p99Ms.toFixed(3)),
        bare_p50_ms: Number(b.p50Ms.toFixed(3)),
        bare_p99_ms: Number(b.p99Ms.toFixed(3)),
        added_p50_ms_c1: Number((s1.p50Ms - b1.p50Ms).toFixed(3)),
        concurrency: CONCURRENCY,
        h2load: h2
          ? {
              connections: H2LOAD_CONNECTIONS,
              streams: H2LOAD_STREAMS,
              switchyard_rps: h2.switchyard,
              byte_echo_rps: h2.echo,
              ratio: h2.ratio,
            }
          : null,
      }),
    );
  } finally {
    for (const c of [sy, echo, bare]) c.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await db.drop();
  }
}

await main();
