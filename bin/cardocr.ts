#!/usr/bin/env node
/**
 * `cardocr` command line: `scan` (read card photos), `serve` (the local pipeline).
 * Kept lean on purpose: each command's module is imported only when it runs, so start-up
 * costs only what that command needs (the speed bar is whole-process wall clock).
 */
import { CardOcrError } from '../functions/core/errors.js';
import { EXIT, packageVersion, USAGE, usageOf, UsageError, wantsHelp } from '../functions/cli/usage.js';

const COMMANDS = ['scan', 'serve'];

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command && COMMANDS.includes(command) && wantsHelp(rest)) {
    process.stdout.write(usageOf(command));
    return EXIT.ok;
  }
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
    case '-h': {
      const topic = rest[0];
      if (command === 'help' && topic !== undefined && !COMMANDS.includes(topic)) throw new UsageError(`no help for "${topic}": the commands are ${COMMANDS.join(', ')}`);
      process.stdout.write(usageOf(command === 'help' ? topic : undefined));
      return EXIT.ok;
    }
    case 'version':
    case '--version':
    case '-V':
      process.stdout.write(`cardocr ${packageVersion()}\n`);
      return EXIT.ok;
    case undefined:
      // Bare `cardocr`: the usage, on stderr (nothing was done: exit 2, like any usage error).
      process.stderr.write(USAGE);
      return EXIT.usage;
    default:
      throw new UsageError(command.startsWith('-') ? `unknown option "${command}" (options go after the command)` : `unknown command "${command}"`);
  }
}

// `cardocr scan ... | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? EXIT.ok : EXIT.failure));

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    const command = err.command ?? (COMMANDS.includes(process.argv[2] ?? '') ? process.argv[2] : undefined);
    const hint = err.hint ? `Run "cardocr ${command ? `${command} ` : ''}--help" for usage.\n` : '';
    process.stderr.write(`cardocr: ${err.message}\n${hint}`);
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
