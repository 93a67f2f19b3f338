// A peer in another process: the transport's sources are transpiled (no bundling, no build
// of this package) into a folder under its node_modules, where a plain node child imports
// them, so both processes run the code under test.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(SRC, '..', 'node_modules', `.pd-net-child-${process.pid}`);

/** Transpiles `src` once per test process; returns the folder. */
export function transpiledTransport(): string {
  if (readdirSafe(OUT).length > 0) return OUT;
  for (const file of walk(SRC)) {
    if (file.endsWith('.test.ts') || file.includes(`${'/'}test${'/'}`) || !file.endsWith('.ts')) continue;
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    });
    const target = join(OUT, relative(SRC, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(OUT, 'package.json'), '{"type":"module"}');
  writeFileSync(join(OUT, 'peer.mjs'), PEER_SCRIPT);
  return OUT;
}

export function removeTranspiled(): void {
  rmSync(OUT, { recursive: true, force: true });
}

/** Starts the echo peer: `kind`, node id, incarnation, port. Resolves once it listens. */
export async function startPeer(kind: string, nodeId: string, incarnation: number, port: number, secret: string, pems?: object): Promise<ChildProcess> {
  const dir = transpiledTransport();
  const child = spawn(process.execPath, [join(dir, 'peer.mjs'), kind, nodeId, String(incarnation), String(port), secret, JSON.stringify(pems ?? null)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('LISTENING')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`peer exited with ${code} before listening: ${out}`)));
  });
  return child;
}

// The peer: listens, and echoes every frame from 'a' back to it with the same header.
const PEER_SCRIPT = `
import { NetNode, hostNetClock, tcpCarrier, tlsCarrier, wsCarrier, Codec, readEnvelope } from './index.js';
const [kind, nodeId, incarnation, port, secret, pemsJson] = process.argv.slice(2);
const pems = JSON.parse(pemsJson);
const carrier = kind === 'tcp' ? tcpCarrier() : kind === 'ws' ? wsCarrier({ maxPayload: 4 << 20 }) : tlsCarrier({ cert: pems.cert, key: pems.key, ca: pems.ca });
const node = new NetNode({ clock: hostNetClock(), codec: new Codec(), carrier, nodeId, cluster: 'test', incarnation: Number(incarnation),
  secret: new TextEncoder().encode(secret), listen: { host: '127.0.0.1', port: Number(port) },
  limits: { handshakeTimeoutMs: 1500, heartbeatMs: 200, idleTimeoutMs: 3000, reconnectMinMs: 20, reconnectMaxMs: 300 } });
await node.start();
const ch = node.channel('a');
const pump = () => {
  ch.in.read(1e6, (source, offset, length) => {
    const h = readEnvelope(source.view, offset);
    const body = source.bytes.slice(offset + 72, offset + length);
    ch.out.stage({ flags: 0, kind: h.kind, priority: 0, source: null, destination: { node: 1, core: 0, slot: 1, generation: 1, secret: 7 },
      correlationId: h.correlationId, deadlineMs: null, trace: null }, body, false);
  });
  ch.out.publish();
  ch.in.arm(pump);
};
ch.in.arm(pump);
process.stdout.write('LISTENING\\n');
`;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
