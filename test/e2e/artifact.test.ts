/**
 * Artifact test: what `cdk deploy` would upload, run as Lambda would run it.
 *
 * The stack is synthesised once with REAL bundling (esbuild + `npm ci` of sharp, tesseract.js
 * and the language data into the assets) for this machine's architecture. Each Lambda asset
 * in cdk.out is zipped, its zipped size printed, and unzipped into a fresh task directory; each
 * handler then runs in a fresh Node process with its environment taken from the synthesised
 * template, against s3rver + dynalite on 127.0.0.1:
 *
 *   API POST /v1/scans → presigned POST upload of a fixture photo → S3 event (SQS-wrapped)
 *   → preprocess → S3 event for processed/ → read → DynamoDB → API GET /v1/scans/{id}
 *
 * and the scan must end `done` with the fixture's masked PAN. When the test runs as root the
 * handlers run as `nobody`, so the task directory is read-only to them (as /var/task is) and
 * their TMPDIR is checked to be empty afterwards. The read handler's cold start (module load
 * + first photo) is printed.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPan } from '../../functions/core/mask.js';
import { CardOcrStack } from '../../lib/card-ocr-stack.js';
import { CDK_CONTEXT } from '../cdk/synth-helpers.js';
import { startDynamo, startS3, TEST_CREDENTIALS, TEST_REGION, type DynamoEmulator, type S3Emulator } from '../support/aws-emulators.js';
import { encodeS3EventKey, sqsEvent, sqsRecord } from '../support/lambda-events.js';

type Kind = 'preprocess' | 'read' | 'api';
const KINDS: readonly Kind[] = ['preprocess', 'read', 'api'];

const FIXTURE = 'card-000.jpg';
const truth = (
  JSON.parse(readFileSync(new URL('../fixtures/cards/truth.json', import.meta.url), 'utf8')) as Array<{
    file: string;
    pan?: string;
  }>
).find((t) => t.file === FIXTURE);

const scratch = mkdtempSync(join(tmpdir(), 'cardocr-artifact-'));
// Handlers may run as another user: every directory on their way must be traversable.
chmodSync(scratch, 0o755);
const NOBODY = 65534;
// As root, run the handlers as `nobody` (when that user can start Node at all), so the task
// directory is as read-only to them as /var/task.
const asNobody =
  process.getuid?.() === 0 && spawnSync(process.execPath, ['-e', '0'], { uid: NOBODY, gid: NOBODY }).status === 0;

interface Asset {
  readonly kind: Kind;
  readonly dir: string;
  readonly entry: string;
  readonly zipBytes: number;
  readonly environment: Record<string, unknown>;
}

interface Invocation {
  readonly result: unknown;
  readonly loadMs: number;
  readonly invokeMs: number;
  readonly output: string;
  readonly tmpLeft: string[];
}

// The child: import the bundle like the Node.js runtime does, call `handler` once, report.
const CHILD = `
import { readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
const [entry, functionName, eventFile, resultFile] = process.argv.slice(1);
const t0 = performance.now();
const mod = await import(pathToFileURL(entry).href);
const t1 = performance.now();
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const deadline = Date.now() + 90000;
const context = {
  callbackWaitsForEmptyEventLoop: true, functionName, functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:' + functionName,
  memoryLimitInMB: '2048', awsRequestId: randomUUID(), logGroupName: '/aws/lambda/' + functionName,
  logStreamName: 'artifact-test', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done() {}, fail() {}, succeed() {},
};
const result = await mod.handler(event, context);
const t2 = performance.now();
writeFileSync(resultFile, JSON.stringify({ result, loadMs: t1 - t0, invokeMs: t2 - t1 }));
process.exit(0);
`;

let s3: S3Emulator;
let ddb: DynamoEmulator;
const assets = new Map<Kind, Asset>();
const bucket = 'artifact-bucket';
const table = 'artifact-results';
const idempotencyTable = 'artifact-idempotency';

interface Synthesised {
  readonly functions: Map<Kind, Omit<Asset, 'dir' | 'entry' | 'zipBytes'> & { source: string }>;
  /** The two tables as the template defines them (keys, attributes, indexes). */
  readonly tables: { results: CreateTableCommandInput; idempotency: CreateTableCommandInput };
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown> & {
    Code?: { S3Key: string };
    Environment?: { Variables: Record<string, unknown> };
    Architectures?: string[];
  };
}

/** Synthesises the stack with real bundling: each function's asset and environment, and the tables. */
function synthesise(outdir: string): Synthesised {
  const app = new App({ outdir, context: { ...CDK_CONTEXT } });
  const architecture = arch() === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64;
  const stack = new CardOcrStack(app, 'CardOcrArtifact', { pipeline: { architecture } });
  const assembly = app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as { Resources: Record<string, TemplateResource> };
  const resourceOf = (construct: { node: { defaultChild?: unknown } }) =>
    template.Resources[stack.resolve(stack.getLogicalId(construct.node.defaultChild as CfnElement)) as string]!;

  const fns = { preprocess: stack.pipeline.preprocess.function, read: stack.pipeline.read.function, api: stack.pipeline.apiFunction };
  const functions: Synthesised['functions'] = new Map();
  for (const kind of KINDS) {
    const props = resourceOf(fns[kind]).Properties;
    expect(props.Architectures).toEqual([architecture.name]);
    const hash = props.Code!.S3Key.replace(/\.zip$/, '');
    functions.set(kind, { kind, source: join(outdir, `asset.${hash}`), environment: props.Environment?.Variables ?? {} });
  }

  // Only what CreateTable takes; encryption, PITR and TTL are not the emulator's business.
  const tableDef = (construct: { node: { defaultChild?: unknown } }, name: string): CreateTableCommandInput => {
    const { Type, Properties: p } = resourceOf(construct);
    expect(Type).toBe('AWS::DynamoDB::Table');
    return {
      TableName: name,
      BillingMode: p['BillingMode'] as CreateTableCommandInput['BillingMode'],
      KeySchema: p['KeySchema'] as CreateTableCommandInput['KeySchema'],
      AttributeDefinitions: p['AttributeDefinitions'] as CreateTableCommandInput['AttributeDefinitions'],
      ...(p['GlobalSecondaryIndexes'] ? { GlobalSecondaryIndexes: p['GlobalSecondaryIndexes'] as CreateTableCommandInput['GlobalSecondaryIndexes'] } : {}),
    };
  };
  return {
    functions,
    tables: { results: tableDef(stack.pipeline.table, table), idempotency: tableDef(stack.pipeline.idempotencyTable, idempotencyTable) },
  };
}

/** Zips an asset directory as cdk-assets would and unzips it into a fresh task directory. */
function packAndUnpack(kind: Kind, source: string): { dir: string; zipBytes: number } {
  const zip = join(scratch, `${kind}.zip`);
  execFileSync('zip', ['-q', '-r', '-X', '-9', zip, '.'], { cwd: source });
  const dir = join(scratch, `task-${kind}`);
  mkdirSync(dir);
  execFileSync('unzip', ['-q', zip, '-d', dir]);
  execFileSync('chmod', ['-R', 'a+rX,go-w', dir]);
  return { dir, zipBytes: statSync(zip).size };
}

/** The function's environment as deployed, with the stack's resources replaced by the emulators'. */
function lambdaEnv(asset: Asset, tmp: string): Record<string, string> {
  const resources: Record<string, string> = {
    BUCKET_NAME: bucket,
    TABLE_NAME: table,
    CARDOCR_IDEMPOTENCY_TABLE: idempotencyTable,
    // The bucket's origin, which the web page may POST uploads to.
    CARDOCR_UPLOAD_ORIGINS: s3.endpoint,
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(asset.environment)) {
    if (typeof value === 'string') env[name] = value;
    else if (name in resources) env[name] = resources[name]!;
    else throw new Error(`${asset.kind}: environment variable ${name} refers to a resource the test does not emulate`);
  }
  for (const name of ['BUCKET_NAME', 'TABLE_NAME', ...(asset.kind === 'api' ? [] : ['CARDOCR_IDEMPOTENCY_TABLE'])]) {
    expect(env, `${asset.kind} env`).toHaveProperty(name);
  }
  return {
    ...env,
    // What the Lambda service sets, plus the emulators (the config's test-only endpoints).
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    TMPDIR: tmp,
    LAMBDA_TASK_ROOT: asset.dir,
    AWS_LAMBDA_FUNCTION_NAME: `cardocr-${asset.kind}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    CARDOCR_S3_ENDPOINT: s3.endpoint,
    CARDOCR_DYNAMODB_ENDPOINT: ddb.endpoint,
  };
}

/**
 * Runs `script` (an ES module) in a fresh Node process inside the task directory of `kind`,
 * with that function's environment, as `nobody` when we are root. The script gets its
 * arguments in `process.argv.slice(1)` and writes its JSON result to the last of them.
 */
async function runInTask(
  kind: Kind,
  script: string,
  args: string[],
  input?: unknown,
): Promise<{ result: unknown; output: string; tmpLeft: string[] }> {
  const asset = assets.get(kind)!;
  const io = mkdtempSync(join(scratch, `io-${kind}-`));
  const tmp = mkdtempSync(join(scratch, `tmp-${kind}-`));
  chmodSync(io, 0o777);
  if (asNobody) chownSync(tmp, NOBODY, NOBODY);
  const inputFile = join(io, 'input.json');
  const resultFile = join(io, 'result.json');
  writeFileSync(inputFile, JSON.stringify(input ?? null));
  chmodSync(inputFile, 0o644);
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args, inputFile, resultFile], {
    cwd: asset.dir,
    env: lambdaEnv(asset, tmp),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0 || !existsSync(resultFile)) throw new Error(`${kind} process exited with ${code}:\n${output.slice(-4000)}`);
  return { result: JSON.parse(readFileSync(resultFile, 'utf8')), output, tmpLeft: readdirSync(tmp) };
}

/** Runs the bundled handler of `kind` once, in a fresh Node process. */
async function invoke(kind: Kind, event: unknown): Promise<Invocation> {
  const asset = assets.get(kind)!;
  const run = await runInTask(kind, CHILD, [asset.entry, `cardocr-${kind}`], event);
  const { result, loadMs, invokeMs } = run.result as Omit<Invocation, 'output' | 'tmpLeft'>;
  return { result, loadMs, invokeMs, output: run.output, tmpLeft: run.tmpLeft };
}

/** An API Gateway HTTP API (payload 2.0) request that passed the JWT authorizer. */
function apiRequest(method: string, path: string, body?: unknown) {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'api.example.com' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'example',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'artifact-test' },
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      authorizer: { jwt: { claims: { sub: 'artifact-test-user' }, scopes: null } },
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  };
}

/** The S3 event s3rver emitted for `key`, as S3 → SQS would deliver it (key URL-encoded). */
async function eventFor(key: string): Promise<unknown> {
  for (let i = 0; i < 100; i++) {
    const found = s3.events.find((e) =>
      e.Records.some((r) => (r as { s3: { object: { key: string } } }).s3.object.key === key),
    );
    if (found) {
      const copy = structuredClone(found) as { Records: Array<{ s3: { object: { key: string } } }> };
      for (const r of copy.Records) r.s3.object.key = encodeS3EventKey(r.s3.object.key);
      return copy;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`s3rver emitted no event for ${key}`);
}

beforeAll(async () => {
  [s3, ddb] = await Promise.all([startS3(), startDynamo()]);
  await s3.createBucket(bucket);

  const outdir = join(scratch, 'cdk.out');
  const started = performance.now();
  const synthesised = synthesise(outdir);
  // The tables exactly as the stack defines them: the adapter must work with the deployed schema.
  await Promise.all([ddb.createTable(synthesised.tables.results), ddb.createTable(synthesised.tables.idempotency)]);
  console.log(
    `[artifact] synth with real bundling (${arch()}): ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `handlers run as ${asNobody ? 'nobody (read-only task dir)' : 'the current user'}`,
  );
  for (const [kind, s] of synthesised.functions) {
    const { dir, zipBytes } = packAndUnpack(kind, s.source);
    const entry = ['index.mjs', 'index.js'].map((f) => join(dir, f)).find((f) => existsSync(f));
    if (!entry) throw new Error(`${kind}: no index.mjs/index.js in the asset`);
    assets.set(kind, { kind, dir, entry, zipBytes, environment: s.environment });
    console.log(`[artifact] ${kind} asset: ${(zipBytes / 1024 / 1024).toFixed(2)} MB zipped`);
  }
  rmSync(outdir, { recursive: true, force: true });
}, 900_000);

afterAll(async () => {
  await Promise.all([s3?.stop(), ddb?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

describe('bundled Lambda handlers from cdk.out', () => {
  it('packages sharp for Linux on this CPU and tesseract.js with its language data, and nothing else outside the bundle', () => {
    const cpu = arch() === 'arm64' ? 'arm64' : 'x64';
    const modules = (kind: Kind) => {
      const dir = join(assets.get(kind)!.dir, 'node_modules');
      return existsSync(dir) ? readdirSync(dir) : [];
    };
    expect(modules('api')).toEqual([]);
    for (const kind of ['preprocess', 'read'] as const) {
      const img = join(assets.get(kind)!.dir, 'node_modules', '@img');
      expect(readdirSync(img)).toContain(`sharp-linux-${cpu}`);
    }
    const read = assets.get('read')!.dir;
    expect(readdirSync(join(read, 'node_modules', '@tesseract.js-data', 'eng', '4.0.0_best_int'))).toContain('eng.traineddata.gz');
    expect(existsSync(join(read, 'node_modules', 'tesseract.js', 'package.json'))).toBe(true);
  });

  it('runs tesseract.js from the read asset with its packaged language data (read-only task dir, nothing cached)', async () => {
    // The fixture photos are read by the glyph reader alone, so the handler run below may never
    // start Tesseract: this starts it from the asset the way the reader's engine does.
    const script = `
      import { createRequire } from 'node:module';
      import { dirname, join } from 'node:path';
      import { readFileSync, writeFileSync } from 'node:fs';
      const [inputFile, resultFile] = process.argv.slice(1);
      const require = createRequire(join(process.cwd(), 'index.mjs'));
      const sharp = require('sharp');
      const { createWorker, OEM } = require('tesseract.js');
      const langPath = join(dirname(require.resolve('@tesseract.js-data/eng')), '4.0.0_best_int');
      const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="120"><rect width="100%" height="100%" fill="#fff"/>' +
        '<text x="24" y="78" font-family="DejaVu Sans Mono" font-size="48">' + JSON.parse(readFileSync(inputFile, 'utf8')) + '</text></svg>';
      const png = await sharp(Buffer.from(svg)).png().toBuffer();
      const worker = await createWorker('eng', OEM.LSTM_ONLY, { langPath, gzip: true, cacheMethod: 'none' });
      const { data } = await worker.recognize(png);
      await worker.terminate();
      let taskDirWritable = true;
      try { writeFileSync(join(process.cwd(), '.write-probe'), 'x'); } catch { taskDirWritable = false; }
      writeFileSync(resultFile, JSON.stringify({ text: data.text, taskDirWritable }));
      process.exit(0);
    `;
    const run = await runInTask('read', script, [], 'VALID THRU 12/30');
    const result = run.result as { text: string; taskDirWritable: boolean };
    expect(result.text).toContain('VALID THRU 12/30');
    // Like /var/task, the task directory is read-only to the handler (when we can run it as nobody).
    if (asNobody) expect(result.taskDirWritable).toBe(false);
    expect(run.tmpLeft).toEqual([]);
    expect(readdirSync(assets.get('read')!.dir).filter((f) => f.endsWith('.traineddata'))).toEqual([]);
  });

  it(
    'takes a fixture photo through API → upload → preprocess → read → API, ending done with the masked PAN',
    async () => {
      expect(truth?.pan).toBeTypeOf('string');
      const pan = truth!.pan!;
      const outputs: string[] = [];

      // 1. The API creates the scan and a presigned POST.
      const created = await invoke('api', apiRequest('POST', '/v1/scans', { contentType: 'image/jpeg' }));
      outputs.push(created.output);
      const createdRes = created.result as { statusCode: number; body: string };
      expect(createdRes.statusCode).toBe(201);
      const scan = JSON.parse(createdRes.body) as {
        id: string;
        upload: { url: string; method: string; fields: Record<string, string>; maxBytes: number };
      };
      expect(scan.upload.method).toBe('POST');
      // A presigned POST on a server-generated key, capped in size and pinned to the declared type.
      const policy = JSON.parse(Buffer.from(scan.upload.fields['Policy']!, 'base64').toString('utf8')) as { conditions: unknown[] };
      const maxBytes = Number(assets.get('api')!.environment['CARDOCR_MAX_INPUT_BYTES']);
      expect(maxBytes).toBeGreaterThan(0);
      expect(scan.upload.maxBytes).toBe(maxBytes);
      expect(policy.conditions).toContainEqual(['content-length-range', 1, maxBytes]);
      expect(policy.conditions).toContainEqual({ 'Content-Type': 'image/jpeg' });
      expect(policy.conditions).toContainEqual({ key: `uploads/${scan.id}.jpg` });

      // 2. The client uploads the photo with that form.
      const photo = readFileSync(new URL(`../fixtures/cards/${FIXTURE}`, import.meta.url));
      const form = new FormData();
      for (const [k, v] of Object.entries(scan.upload.fields)) form.append(k, v);
      form.append('file', new Blob([photo], { type: 'image/jpeg' }), FIXTURE);
      const uploaded = await fetch(scan.upload.url, { method: 'POST', body: form });
      expect(uploaded.status).toBeLessThan(300);
      const uploadKey = scan.upload.fields['key']!;

      // 3. S3 → SQS → preprocess.
      const pre = await invoke('preprocess', sqsEvent(sqsRecord(await eventFor(uploadKey))));
      outputs.push(pre.output);
      expect(pre.result).toEqual({ batchItemFailures: [] });
      expect(pre.tmpLeft).toEqual([]);

      // 4. The processed image's own S3 event → SQS → read (cold: module load + first photo).
      const processedKey = `processed/${scan.id}.png`;
      const read = await invoke('read', sqsEvent(sqsRecord(await eventFor(processedKey))));
      outputs.push(read.output);
      expect(read.result).toEqual({ batchItemFailures: [] });
      expect(read.tmpLeft).toEqual([]);
      console.log(
        `[artifact] read cold start: ${Math.round(read.loadMs + read.invokeMs)} ms ` +
          `(module load ${Math.round(read.loadMs)} ms + first photo ${Math.round(read.invokeMs)} ms)`,
      );

      // 5. The API returns the result, masked.
      const got = await invoke('api', apiRequest('GET', `/v1/scans/${scan.id}`));
      outputs.push(got.output);
      const gotRes = got.result as { statusCode: number; body: string };
      expect(gotRes.statusCode).toBe(200);
      const view = JSON.parse(gotRes.body) as { status: string; card: { pan: string; last4: string } | null };
      expect(view.status).toBe('done');
      expect(view.card?.pan).toBe(maskPan(pan));
      expect(view.card?.last4).toBe(pan.slice(-4));

      // The table holds the masked PAN only; both images are gone; no output carries the PAN.
      const client = ddb.client();
      const item = await client.send(new GetItemCommand({ TableName: table, Key: { id: { S: scan.id } } }));
      client.destroy();
      expect(item.Item?.['status']?.S).toBe('done');
      expect(JSON.stringify(item.Item)).toContain(maskPan(pan));
      expect(JSON.stringify(item.Item)).not.toContain(pan);
      const s3client = s3.client();
      const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
      const left = await s3client.send(new ListObjectsV2Command({ Bucket: bucket }));
      s3client.destroy();
      expect((left.Contents ?? []).map((o) => o.Key)).toEqual([]);
      const all = outputs.join('\n');
      expect(all).not.toContain(pan);
      // Powertools metrics (EMF) of both stages are in the function output.
      expect(all).toMatch(/"_aws":\{.*"StageLatency"/);
      expect(all).toMatch(/"FieldsFound":\s*4/);
      expect(all).toMatch(/"ColdStart":\s*1/);
      expect(all).toMatch(/"message":"stage read".*"cold_start":true/);
    },
    600_000,
  );
});
