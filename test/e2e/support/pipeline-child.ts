/**
 * The local pipeline in a child process, for the kill-and-restart test. Usage:
 *   node --import tsx pipeline-child.ts <dataDir> <token> [--hold-read <markerFile>]
 * Prints one JSON line `{"ready":true,"url":…}` when serving, then the pipeline's JSON logs,
 * plus `{"ocrRun":n}` each time the reader runs. With --hold-read, the first OCR run writes the
 * marker file and never returns (a worker stuck mid-job, waiting to be killed).
 */
import { writeFileSync } from 'node:fs';
import { createReaderEngines } from '../../../functions/adapters/ocr/reader-engines.js';
import { createCardReader } from '../../../functions/reader/reader.js';
import type { NormalisedReader } from '../../../functions/core/stages.js';
import { startLocalPipeline } from '../../../functions/local/index.js';
import { createLog } from '../../../functions/adapters/log/powertools-log.js';

const [dataDir, token, flag, marker] = process.argv.slice(2);
if (!dataDir || !token) throw new Error('usage: pipeline-child.ts <dataDir> <token> [--hold-read <marker>]');
const out = (obj: unknown) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const real = await createCardReader({ workers: 1, engines: createReaderEngines() });
let runs = 0;
const reader: NormalisedReader & { close(): Promise<void> } = {
  async readNormalised(png) {
    runs++;
    out({ ocrRun: runs });
    if (flag === '--hold-read' && marker) {
      writeFileSync(marker, String(process.pid));
      await new Promise(() => {}); // hang until killed
    }
    return real.readNormalised(png);
  },
  close: () => real.close(),
};

const pipeline = await startLocalPipeline({
  port: 0,
  dataDir,
  token,
  concurrency: 1,
  env: {},
  reader,
  log: createLog({ service: 'cardocr', sink: (line) => process.stdout.write(`${line}\n`) }),
  print: () => {},
  scanIntervalMs: 500,
});
out({ ready: true, url: pipeline.url });
process.on('SIGTERM', () => {
  void pipeline
    .close()
    .then(() => real.close())
    .finally(() => process.exit(0));
});
