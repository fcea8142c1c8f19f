/**
 * Whole-process timings: the native Tesseract CLI over a list of photos, `cardocr scan` as a
 * fresh process, and cold start (spawn → first result line). Output of the children is
 * consumed and dropped: it is never printed (native Tesseract output is unmasked OCR text).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Wall clock of one child process. */
export interface ProcessTiming {
  wallMs: number;
  /** Spawn → first complete stdout line. */
  firstLineMs: number | null;
  /** The first stdout line itself, only when asked for (`keepFirstLine`). */
  firstLine: string | null;
  exitCode: number | null;
}

/** Runs a command to completion, timing it from spawn to exit. */
export function timeProcess(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string | undefined>; cwd?: string; timeoutMs?: number; keepFirstLine?: boolean },
): Promise<ProcessTiming> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    let firstLineMs: number | null = null;
    let head = '';
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (firstLineMs !== null) return;
      if (options.keepFirstLine) head += chunk.toString('utf8');
      if (chunk.includes(10)) firstLineMs = performance.now() - t0;
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const firstLine = options.keepFirstLine && firstLineMs !== null ? (head.split('\n')[0] ?? null) : null;
      resolvePromise({ wallMs: performance.now() - t0, firstLineMs, firstLine, exitCode: code });
    });
  });
}

/** Whether Debian's `tesseract` is on the PATH. */
export function hasNativeTesseract(env: Record<string, string | undefined>): boolean {
  const r = spawnSync('tesseract', ['--version'], { env, stdio: 'ignore' });
  return r.status === 0;
}

/** The native CLI reading whole photos in one process: `tesseract list.txt stdout`, one OpenMP thread. */
export async function timeNativeTesseract(photos: readonly string[], workDir: string, env: Record<string, string | undefined>): Promise<ProcessTiming> {
  const list = join(workDir, 'list.txt');
  await writeFile(list, photos.map((p) => resolve(p)).join('\n') + '\n');
  return timeProcess('tesseract', [list, 'stdout'], { env: { ...env, OMP_THREAD_LIMIT: '1' } });
}

/**
 * How to start the `cardocr` CLI: the built `dist/bin/cardocr.js` when it exists (what users
 * run; `npm run bench` builds first), else the TypeScript entry through tsx.
 */
export function cardocrCommand(): { command: string; prefix: string[]; built: boolean } {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const dist = join(root, 'dist', 'bin', 'cardocr.js');
  if (existsSync(dist)) return { command: process.execPath, prefix: [dist], built: true };
  return { command: process.execPath, prefix: ['--import', 'tsx', join(root, 'bin', 'cardocr.ts')], built: false };
}

/** `cardocr scan --json --concurrency N <photos>` as a fresh process. */
export function timeCardocr(photos: readonly string[], concurrency: number, env: Record<string, string | undefined>): Promise<ProcessTiming> {
  const { command, prefix } = cardocrCommand();
  return timeProcess(command, [...prefix, 'scan', '--json', '--concurrency', String(concurrency), ...photos], {
    env: { ...env, OMP_THREAD_LIMIT: '1' },
  });
}
