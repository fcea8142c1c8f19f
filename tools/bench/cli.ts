/**
 * `npm run bench -- <dir with truth.json> [options]`: accuracy and speed of the card reader
 * on a labelled photo set (see run.ts). Run by tsx from the npm script; never part of dist/.
 * Exit 2 on usage errors.
 */
import { UsageError } from '../../functions/cli/usage.js';
import { BENCH_USAGE, formatReport, parseBenchArgs, reportJson, runBench } from './run.js';

const argv = process.argv.slice(2);
// `npm run bench -- --api <dir>`: throughput of the local pipeline through its HTTP API.
const api = argv[0] === '--api' ? await import('./api-bench.js') : null;
try {
  if (api) {
    const opts = api.parseApiBenchArgs(argv.slice(1));
    const report = await api.runApiBench(opts, { ...process.env }, (line) => process.stderr.write(`${line}\n`));
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : api.formatApiReport(report));
  } else {
    const opts = parseBenchArgs(argv);
    // Children (native tesseract, cardocr) inherit this environment; nothing here reads settings from it.
    const report = await runBench(opts, { ...process.env }, (line) => process.stderr.write(`${line}\n`));
    process.stdout.write(opts.json ? reportJson(report) : formatReport(report));
  }
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`bench: ${err.message}\n${api ? api.API_BENCH_USAGE : BENCH_USAGE}`);
    process.exitCode = 2;
  } else {
    throw err;
  }
}
