// Benches measure the JavaScript that ships (tsc output, what `npm start` runs), not the tsx
// dev loader: under tsx every closure goes through esbuild's keepNames helper (an
// Object.defineProperty each), which measured ~3× the per-plan time here. This transpiles
// src/, gen/ and the given bench entry files with the TypeScript compiler (no type check: that
// is `npm run typecheck`) into node_modules/.cache/switchyard-bench (inside node_modules so the
// compiled files resolve the same packages) and returns that directory.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function compileForBench(entries: string[]): string {
  const out = join(ROOT, 'node_modules', '.cache', 'switchyard-bench');
  rmSync(out, { recursive: true, force: true });
  const files = [
    ...walk(join(ROOT, 'src')),
    ...walk(join(ROOT, 'gen')),
    ...walk(join(ROOT, 'bench')),
    ...entries.map((e) => join(ROOT, e)),
  ];
  for (const file of new Set(files)) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, sourceMap: false },
    }).outputText;
    const dest = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, js);
  }
  // Runtime assets the compiled code reads next to itself.
  cpSync(join(ROOT, 'src', 'catalog', 'data'), join(out, 'src', 'catalog', 'data'), { recursive: true });
  cpSync(join(ROOT, 'src', 'store', 'migrations'), join(out, 'src', 'store', 'migrations'), { recursive: true });
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  return out;
}

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield p;
  }
}
