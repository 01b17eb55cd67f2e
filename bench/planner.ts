// npm run bench:planner — runs bench/planner-run.ts on JavaScript compiled the way production
// runs it (tsc output, `npm start`). Under tsx every closure the planner creates per call goes
// through esbuild's keepNames helper (an Object.defineProperty each), which measured ~3× the
// per-plan time here: a figure of the dev loader, not of the router. So this script transpiles
// src/, gen/ and the bench with the TypeScript compiler (no type check: the typecheck is
// `npm run typecheck`) into node_modules/.cache/switchyard-bench and runs it there.
// BENCH_TSX=1 runs it under tsx instead, for comparison.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (process.env.BENCH_TSX === '1') {
  await import('./planner-run.js');
} else {
  // Inside node_modules so the compiled files resolve the same packages as the sources.
  const out = join(root, 'node_modules', '.cache', 'switchyard-bench');
  rmSync(out, { recursive: true, force: true });
  const files = [...walk(join(root, 'src')), ...walk(join(root, 'gen')), join(root, 'bench', 'planner-run.ts')];
  for (const file of files) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, sourceMap: false },
    }).outputText;
    const dest = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, js);
  }
  cpSync(join(root, 'src', 'catalog', 'data'), join(out, 'src', 'catalog', 'data'), { recursive: true });
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  const run = spawnSync(process.execPath, [join(out, 'bench', 'planner-run.js')], { stdio: 'inherit', env: process.env });
  process.exitCode = run.status ?? 1;
}

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield p;
  }
}
