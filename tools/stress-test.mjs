#!/usr/bin/env node
// Runs the test command with the machine oversubscribed, so a test whose outcome depends on
// wall-clock timing fails here before it fails on a shared CI machine.
//
//   node tools/stress-test.mjs [--runs R] [--busy N] [-- command args...]
//
// Starts N busy worker processes (default 2 × cores: with vitest's own workers that is about
// 3× oversubscription), runs the command (default `npm test`, the README's) R times (default
// 3) beside them, and reports per run: pass or fail, duration, load average, and the names of
// the failing tests (read from vitest's output). The busy workers are ended by their process
// ids when the runs are done, on failure and on Ctrl-C; each one also exits by itself once
// this script is gone. Exits 0 only if every run passed.
/* global console, process, setInterval, clearInterval */
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = 'usage: node tools/stress-test.mjs [--runs R] [--busy N] [-- command args...]';

/**
 * Reads the command line: `--runs R`, `--busy N` (also `--runs=R`), then an optional `--`
 * followed by the command to run. Throws an Error naming the bad argument.
 */
export function parseArgs(argv, cores = availableParallelism()) {
  const options = { runs: 3, busy: 2 * cores, command: ['npm', 'test'], help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      const command = argv.slice(i + 1);
      if (command.length === 0) throw new Error('nothing after "--": give the command to run, or leave "--" out for `npm test`');
      options.command = command;
      break;
    }
    if (arg === '--help' || arg === '-h') {
      options.help = true;
      continue;
    }
    const match = /^--(runs|busy)(?:=(.*))?$/.exec(arg);
    if (match === null) throw new Error(`unknown argument "${arg}" (${USAGE})`);
    const [, name, inline] = match;
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw new Error(`--${name} needs a number`);
    const value = Number(raw);
    const min = name === 'runs' ? 1 : 0;
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
      throw new Error(`--${name} must be a whole number ≥ ${min}, not "${raw}"`);
    }
    options[name] = value;
  }
  return options;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/**
 * The failures named in a test command's output: vitest's `FAIL  file > suite > test` lines
 * (each test once), and turbo's failed tasks (`@pd/x#lint: command ... exited (1)`), so a
 * build, lint or typecheck failure is named too.
 */
export function parseFailures(output) {
  const failures = new Set();
  for (const rawLine of output.split(/\r?\n/)) {
    const line = rawLine.replace(ANSI, '').trim();
    const vitest = /^FAIL\s+(.+?)(?:\s+\[\s*[^\]]*\])?$/.exec(line);
    if (vitest !== null) {
      failures.add(vitest[1].trim());
      continue;
    }
    const turbo = /^(?:ERROR\s+)?(?:run failed: )?(\S+#\S+): command .* exited \((\d+)\)/.exec(line);
    if (turbo !== null) failures.add(`${turbo[1]} (exit ${turbo[2]})`);
  }
  return [...failures];
}

/** vitest's closing `Tests  N failed | M passed (T)` line, if the output has one. */
export function parseTestCounts(output) {
  const lines = output.replace(ANSI, '').split(/\r?\n/).filter((l) => /^\s*Tests\s+\d/.test(l));
  return lines.length === 0 ? null : lines.at(-1).trim().replace(/\s+/g, ' ');
}

// A busy worker spins, and checks now and then that the script that started it still runs,
// so it ends even if this script is killed without a chance to clean up.
const BUSY_LOOP = `
const parent = Number(process.argv[1]);
for (;;) {
  for (let i = 0; i < 2e7; i++);
  try { process.kill(parent, 0); } catch { process.exit(0); }
}`;

function startBusy(count) {
  const workers = [];
  for (let i = 0; i < count; i++) {
    workers.push(spawn(process.execPath, ['-e', BUSY_LOOP, String(process.pid)], { stdio: 'ignore' }));
  }
  return workers;
}

function stopBusy(workers) {
  for (const w of workers.splice(0)) {
    if (w.exitCode === null && w.signalCode === null && w.pid !== undefined) {
      try {
        process.kill(w.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Run the command once in its own process group, echoing and keeping its output. */
function runOnce(command, onChild) {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    onChild(child);
    let output = '';
    const keep = (stream, sink) => stream.on('data', (chunk) => {
      output += chunk;
      sink.write(chunk);
    });
    keep(child.stdout, process.stdout);
    keep(child.stderr, process.stderr);
    let peakLoad = loadavg()[0];
    const sampler = setInterval(() => (peakLoad = Math.max(peakLoad, loadavg()[0])), 2000);
    child.on('error', (error) => {
      output += `\n${command[0]}: ${error.message}\n`;
    });
    child.on('close', (code, signal) => {
      clearInterval(sampler);
      resolve({ code: code ?? 1, signal, output, peakLoad });
    });
  });
}

const fmtLoad = (l) => l.toFixed(2);

/** One run's result as the summary shows it: a line, then one line per failure. */
function describeRun(r) {
  const status = r.passed ? 'PASS' : `FAIL (exit ${r.code})`;
  const lines = [`  run ${r.run}: ${status}  ${r.seconds.toFixed(1)} s  load avg ${fmtLoad(r.load)} at end, ${fmtLoad(r.peakLoad)} peak${r.counts === null ? '' : `  ${r.counts}`}`];
  for (const f of r.failures) lines.push(`    failed: ${f}`);
  if (!r.passed && r.failures.length === 0) lines.push('    failed: (no test named in the output; see the log above)');
  return lines.join('\n');
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`stress-test: ${error.message}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const workers = startBusy(options.busy);
  let current = null;
  const results = [];
  const abort = (signal) => {
    stopBusy(workers);
    if (current !== null && current.exitCode === null) {
      try {
        process.kill(-current.pid, signal);
      } catch {
        // already gone
      }
    }
    console.error(`\nstress-test: ${signal}, busy workers ended; runs completed before it:`);
    for (const r of results) console.error(describeRun(r));
    process.exit(130);
  };
  process.on('SIGINT', abort);
  process.on('SIGTERM', abort);
  process.on('exit', () => stopBusy(workers));

  const cmd = options.command.join(' ');
  console.log(`stress-test: ${options.busy} busy workers on ${availableParallelism()} cores (pids ${workers.map((w) => w.pid).join(' ')}); running \`${cmd}\` ${options.runs}×`);
  try {
    for (let run = 1; run <= options.runs; run++) {
      console.log(`\nstress-test: run ${run}/${options.runs} starts, load average ${loadavg().map(fmtLoad).join(' ')}`);
      const started = Date.now();
      const r = await runOnce(options.command, (child) => (current = child));
      current = null;
      results.push({
        run,
        passed: r.code === 0 && r.signal === null,
        code: r.signal ?? r.code,
        seconds: (Date.now() - started) / 1000,
        load: loadavg()[0],
        peakLoad: r.peakLoad,
        failures: parseFailures(r.output),
        counts: parseTestCounts(r.output),
      });
      console.log(`\nstress-test: run ${run}/${options.runs} ended:\n${describeRun(results.at(-1))}`);
    }
  } finally {
    stopBusy(workers);
  }

  console.log(`\nstress-test summary: \`${cmd}\`, ${options.busy} busy workers, ${availableParallelism()} cores`);
  for (const r of results) console.log(describeRun(r));
  const failed = results.filter((r) => !r.passed).length;
  console.log(failed === 0 ? `all ${results.length} runs passed` : `${failed} of ${results.length} runs failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
