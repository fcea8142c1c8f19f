#!/usr/bin/env node
/**
 * `npm run bench -- <dir with truth.json> [options]`: accuracy and speed of the card reader
 * on a labelled photo set (see functions/bench/run.ts). Exit 2 on usage errors.
 */
import { UsageError } from '../functions/cli/usage.js';
import { BENCH_USAGE, formatReport, parseBenchArgs, reportJson, runBench } from '../functions/bench/run.js';

try {
  const opts = parseBenchArgs(process.argv.slice(2));
  // Children (native tesseract, cardocr) inherit this environment; nothing here reads settings from it.
  const report = await runBench(opts, { ...process.env }, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(opts.json ? reportJson(report) : formatReport(report));
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`bench: ${err.message}\n${BENCH_USAGE}`);
    process.exitCode = 2;
  } else {
    throw err;
  }
}
