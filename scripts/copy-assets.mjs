// Copies the non-TypeScript files the compiled code reads at run time next to it in dist/.
import { cpSync } from 'node:fs';

for (const dir of ['src/store/migrations', 'src/catalog/data']) {
  cpSync(dir, `dist/${dir}`, { recursive: true });
}
