#!/usr/bin/env node
/**
 * `cardocr` command line: `scan` (read card photos), `serve` (the local pipeline).
 * Kept lean on purpose: each command's module is imported only when it runs, so start-up
 * costs only what that command needs (the speed bar is whole-process wall clock).
 */
import { CardOcrError } from '../functions/core/errors.js';
import { EXIT, USAGE, UsageError } from '../functions/cli/usage.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'scan': {
      const { runScan } = await import('../functions/cli/scan.js');
      return runScan(rest, { stdout: process.stdout, stderr: process.stderr });
    }
    case 'serve': {
      const { runServe } = await import('../functions/cli/serve.js');
      return runServe(rest);
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return EXIT.ok;
    case undefined:
      throw new UsageError('no command given');
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

// `cardocr scan ... | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? EXIT.ok : EXIT.failure));

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`cardocr: ${err.message}\nRun "cardocr help" for usage.\n`);
    code = EXIT.usage;
  } else if (err instanceof CardOcrError) {
    // Messages of typed errors are written for users and already PAN-redacted.
    process.stderr.write(`cardocr: ${err.code}: ${err.message}\n`);
    code = EXIT.failure;
  } else {
    // Never print a stack or raw error text that might quote input: code and class only.
    const e = err as { code?: unknown; name?: unknown };
    process.stderr.write(`cardocr: unexpected error (${String(e?.name ?? 'Error')}${typeof e?.code === 'string' ? `: ${e.code}` : ''})\n`);
    code = EXIT.failure;
  }
}
// Exit now rather than wait for OCR worker threads to wind down; flush stdout first.
process.stdout.write('', () => process.exit(code));
