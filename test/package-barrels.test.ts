/**
 * Package barrels export only what other packages, apps and tests import (STYLE §2): a name no
 * one imports from `@synthfarm/<pkg>` stays internal to its package, so a package's surface is
 * what is really used of it. Each barrel names its exports (no `export *`, which would export a
 * module's every helper).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(p)));
    else if (/\.(ts|mjs|js)$/.test(e.name)) out.push(p);
  }
  return out;
}

const names = (list: string) => list.split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim()).filter(Boolean);

/** Names each package is imported by, from outside it (its own tests count as outside). */
async function importedNames(): Promise<Map<string, Set<string>>> {
  const used = new Map<string, Set<string>>();
  const add = (pkg: string, name: string) => (used.get(pkg) ?? used.set(pkg, new Set()).get(pkg)!).add(name);
  for (const dir of ['packages', 'apps', 'test']) {
    for (const f of await sourceFiles(join(ROOT, dir))) {
      const s = await readFile(f, 'utf8');
      const self = /packages\/(\w+)\/src\//.exec(f)?.[1];
      const outside = (pkg: string) => pkg !== self || f.endsWith('.test.ts');
      // A package's own modules (tests too) import what they use from where it is defined.
      if (self) expect(s, `${f} imports its own package's barrel`).not.toMatch(/from '\.\/index\.js'/);
      for (const m of s.matchAll(/(?:import|export)\s+(?:type\s+)?\{([^}]*)\}\s+from\s+['"]@synthfarm\/(\w+)['"]/g)) if (outside(m[2]!)) names(m[1]!).forEach((n) => add(m[2]!, n));
      for (const m of s.matchAll(/\{\s*([\w\s,:]*)\}\s*=\s*await import\(['"]@synthfarm\/(\w+)['"]\)/g)) if (outside(m[2]!)) names(m[1]!.replace(/:\s*\w+/g, '')).forEach((n) => add(m[2]!, n));
      for (const m of s.matchAll(/import\(['"]@synthfarm\/(\w+)['"]\)\)?\.(\w+)/g)) if (outside(m[1]!)) add(m[1]!, m[2]!);
    }
  }
  return used;
}

describe('package barrels', () => {
  it('export only names other packages, apps or tests import', async () => {
    const used = await importedNames();
    const unused: string[] = [];
    for (const pkg of await readdir(join(ROOT, 'packages'))) {
      const barrel = await readFile(join(ROOT, 'packages', pkg, 'src', 'index.ts'), 'utf8').catch(() => undefined);
      if (barrel === undefined) continue;
      expect(barrel, `packages/${pkg}/src/index.ts re-exports a whole module`).not.toMatch(/export \*/);
      for (const m of barrel.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) for (const n of names(m[1]!)) if (!used.get(pkg)?.has(n)) unused.push(`@synthfarm/${pkg}: ${n}`);
    }
    expect(unused).toEqual([]);
  });
});
