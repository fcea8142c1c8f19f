/**
 * Help, version and usage errors of `cardocr`, without starting anything: every command's
 * help lists its flags with defaults and an example; help is asked for with -h/--help
 * anywhere before `--`; the version is package.json's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageVersion, SCAN_USAGE, SERVE_USAGE, USAGE, usageOf, wantsHelp } from '../../functions/cli/usage.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('usage texts', () => {
  it('the general usage lists every command with its flags, defaults and an example', () => {
    for (const text of ['scan <file|dir>...', 'serve', 'help [command]', '-h, --help', '-V, --version']) expect(USAGE).toContain(text);
    for (const flag of ['--json', '--reveal', '--concurrency N (default: cores, at most 8)', '--strict', '--fail-on', '--port N (default 3000)', '--host H (default 127.0.0.1)', '--data-dir DIR (default .data)']) {
      expect(USAGE).toContain(flag);
    }
    expect(USAGE.match(/example: cardocr /g)).toHaveLength(2);
  });

  it('each command help lists every flag it accepts, with its default, and one example', () => {
    for (const flag of ['--json', '--reveal', '--concurrency N', '--strict', '--fail-on LIST', '-h, --help']) expect(SCAN_USAGE).toContain(flag);
    expect(SCAN_USAGE).toMatch(/--concurrency N [^]*no more than memory[^]*\(default: the cores, at most 8, within half\s+the memory\)/);
    expect(SCAN_USAGE).toMatch(/example:\n {2}cardocr scan /);
    for (const flag of ['--port N', '--host H', '--data-dir DIR', '--concurrency N', '-h, --help']) expect(SERVE_USAGE).toContain(flag);
    expect(SERVE_USAGE).toMatch(/--port N .*\n.*\(default: PORT or 3000\)/);
    expect(SERVE_USAGE).toMatch(/example:\n {2}cardocr serve /);
    expect(usageOf('scan')).toBe(SCAN_USAGE);
    expect(usageOf('serve')).toBe(SERVE_USAGE);
    expect(usageOf('nope')).toBe(USAGE);
    expect(usageOf()).toBe(USAGE);
  });

  it('usage lines fit an 80-column terminal', () => {
    for (const text of [USAGE, SCAN_USAGE, SERVE_USAGE]) for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });
});

describe('help and version', () => {
  it('-h / --help anywhere before "--" asks for help; after it they are file names', () => {
    expect(wantsHelp(['--help'])).toBe(true);
    expect(wantsHelp(['photos/', '-h'])).toBe(true);
    expect(wantsHelp(['--bogus', '--help'])).toBe(true);
    expect(wantsHelp(['photos/'])).toBe(false);
    expect(wantsHelp(['--', '--help'])).toBe(false);
  });

  it('the version is the one in package.json', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(packageVersion()).toBe(pkg.version);
  });
});

describe('UsageError', () => {
  it('masks a card number quoted in its message (a file named after a card; review B4b)', async () => {
    const { UsageError } = await import('../../functions/cli/usage.js');
    const e = new UsageError('cannot read "/tmp/nonexistent-4539148803436467.jpg": no such file or directory');
    expect(e.message).not.toContain('4539148803436467');
    expect(e.message).toContain('453914••••••6467');
  });
});
