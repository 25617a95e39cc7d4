/**
 * Start-up time to /readyz, side by side in one run: Baton from the checkout
 * through tsx (the development loader) and Baton compiled (`npm run build`,
 * what the image runs), on this Node and, with `--node PATH`, on another
 * (Node 24 from .ci/run). Each is started and stopped in turns, 7 rounds.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ROUNDS = 7;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Milliseconds from spawning `node <entry> start` to /readyz answering 200. */
async function startUp(node: string, entry: string): Promise<number> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-startup-'));
  const started = performance.now();
  const baton = spawn(node, [entry, 'start', '--port', String(port), '--data-dir', dataDir], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (baton.exitCode !== null)
        throw new Error(`${entry} on ${node} exited ${baton.exitCode} before /readyz answered`);
      const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (response?.status === 200) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    const exited = new Promise((resolve) => baton.once('exit', resolve));
    baton.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const compiled = join(ROOT, 'dist/bin/baton.js');
if (!existsSync(compiled))
  throw new Error('No dist/: run `npm run build` first; this compares it with the checkout run through tsx.');
const otherNode = process.argv.indexOf('--node');
const nodes = [
  process.execPath,
  ...(otherNode > 0 && process.argv[otherNode + 1] ? [process.argv[otherNode + 1] as string] : []),
];
const variants = nodes.flatMap((node) => [
  { node, label: 'tsx (checkout)', entry: join(ROOT, 'bin/baton.js') },
  { node, label: 'compiled (dist/)', entry: compiled },
]);
const times = new Map<(typeof variants)[number], number[]>(variants.map((variant) => [variant, []]));
await startUp(process.execPath, compiled); // warms the file cache for every variant alike
for (let round = 0; round < ROUNDS; round++)
  for (const variant of variants) times.get(variant)?.push(await startUp(variant.node, variant.entry));

for (const node of nodes) {
  const version = await new Promise<string>((resolve) => {
    const child = spawn(node, ['--version']);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', () => resolve(out.trim()));
  });
  const [viaTsx, viaBuild] = variants
    .filter((variant) => variant.node === node)
    .map((variant) => median(times.get(variant) ?? []));
  console.log(
    `node ${version}: to /readyz, median of ${ROUNDS}: tsx ${viaTsx?.toFixed(0)} ms, compiled ${viaBuild?.toFixed(0)} ms (${((viaBuild ?? 0) / (viaTsx ?? 1)).toFixed(2)}×)`,
  );
}
