#!/usr/bin/env node
// Rewrites the examples embedded in docs/**/*.md from their files: everything between
// `<!-- example: NAME -->` and `<!-- /example -->` becomes a ```ts block holding exactly
// docs/examples/NAME.ts. Write the two markers, run this, commit both. `--check` changes
// nothing and exits 1 when a doc is out of date (docs/examples/examples.test.ts checks too).
/* global console, process */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const docs = join(root, 'docs');
const examples = join(docs, 'examples');
const check = process.argv.includes('--check');
const MARKED = /^<!-- example: ([a-z0-9-]+) -->\n[\s\S]*?^<!-- \/example -->$/gm;

function markdownFiles(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) return entry === 'node_modules' ? [] : markdownFiles(full);
    return entry.endsWith('.md') ? [full] : [];
  });
}

let stale = 0;
let missing = 0;
for (const file of markdownFiles(docs)) {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(MARKED, (block, name) => {
    const source = join(examples, `${name}.ts`);
    if (!existsSync(source)) {
      console.error(`${relative(root, file)}: no docs/examples/${name}.ts`);
      missing++;
      return block;
    }
    const code = readFileSync(source, 'utf8');
    return `<!-- example: ${name} -->\n\`\`\`ts\n${code.endsWith('\n') ? code : `${code}\n`}\`\`\`\n<!-- /example -->`;
  });
  if (next === text) continue;
  stale++;
  if (check) console.error(`${relative(root, file)} is out of date`);
  else {
    writeFileSync(file, next);
    console.log(`updated ${relative(root, file)}`);
  }
}
if (missing > 0 || (check && stale > 0)) process.exit(1);
