// npm run bench:planner — runs bench/planner-run.ts on JavaScript compiled the way production
// runs it (tsc output, `npm start`). Under tsx every closure the planner creates per call goes
// through esbuild's keepNames helper (an Object.defineProperty each), which measured ~3× the
// per-plan time here: a figure of the dev loader, not of the router. So this script transpiles
// src/, gen/ and the bench with the TypeScript compiler (no type check: the typecheck is
// `npm run typecheck`) into node_modules/.cache/switchyard-bench and runs it there.
// BENCH_TSX=1 runs it under tsx instead, for comparison.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { compileForBench } from './lib/compile.js';

if (process.env.BENCH_TSX === '1') {
  await import('./planner-run.js');
} else {
  const out = compileForBench(['bench/planner-run.ts']);
  const run = spawnSync(process.execPath, [join(out, 'bench', 'planner-run.js')], { stdio: 'inherit', env: process.env });
  process.exitCode = run.status ?? 1;
}
