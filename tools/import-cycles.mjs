#!/usr/bin/env node
// Circles in the relative-import graph of one source folder (strongly connected components
// of 2+ files), type-only imports and re-exports included: a type edge is still an edge.
// Prints each circle and a last line "largest circle: N files"; exits 1 when a circle is
// not one of the allowed ones.
//
// Usage: node tools/import-cycles.mjs DIR [--allow a.ts,b.ts,c.ts]...
// `--allow` names one circle that may stay (its exact set of files, relative to DIR).
// CI runs it on packages/runtime/src through tools/test/import-cycles.test.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The circles of `dir`, each a sorted list of paths relative to it, largest first. */
export function findCycles(dir) {
  const root = resolve(dir);
  const files = [];
  (function walk(d) {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(n) && !/\.(test|spec)\.tsx?$/.test(n) && !n.endsWith('.d.ts')) files.push(p);
    }
  })(root);
  const known = new Set(files);
  const edges = new Map(files.map((f) => [f, []]));
  const re = /(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(re)) {
      let t = resolve(dirname(f), m[1]).replace(/\.js$/, '.ts');
      if (!known.has(t) && existsSync(join(t, 'index.ts'))) t = join(t, 'index.ts');
      if (known.has(t)) edges.get(f).push(t);
    }
  }
  // Tarjan's algorithm.
  let index = 0;
  const stack = [], onStack = new Set(), num = new Map(), low = new Map(), circles = [];
  function visit(v) {
    num.set(v, index); low.set(v, index); index++; stack.push(v); onStack.add(v);
    for (const w of edges.get(v)) {
      if (!num.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), num.get(w)));
    }
    if (low.get(v) === num.get(v)) {
      const c = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); c.push(w); } while (w !== v);
      if (c.length > 1) circles.push(c.map((x) => relative(root, x)).sort());
    }
  }
  for (const f of files) if (!num.has(f)) visit(f);
  return { files: files.length, edges: [...edges.values()].reduce((n, e) => n + e.length, 0), circles: circles.sort((a, b) => b.length - a.length) };
}

/** The circles that are not allowed (`allowed`: lists of files, each one allowed circle). */
export function unexpectedCycles(circles, allowed) {
  const keys = new Set(allowed.map((c) => [...c].sort().join(',')));
  return circles.filter((c) => !keys.has(c.join(',')));
}

function main(argv) {
  const dir = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--allow') ?? '.';
  const allowed = argv.flatMap((a, i) => (argv[i - 1] === '--allow' ? [a.split(',')] : []));
  const { files, edges, circles } = findCycles(dir);
  for (const c of circles) console.log(`circle of ${c.length}: ${c.join(', ')}`);
  console.log(`${files} files, ${edges} import arrows`);
  console.log(`largest circle: ${circles[0]?.length ?? 0} files`);
  const bad = unexpectedCycles(circles, allowed);
  if (bad.length > 0) {
    console.error(`import-cycles: ${bad.length} circle(s) not allowed: ${bad.map((c) => c.join(' <-> ')).join('; ')}`);
    process.exit(1);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
