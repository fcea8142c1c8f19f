// Child process hosting s3rver (see aws-emulators.ts for why it is a separate process).
// Started by fork() with --openssl-legacy-provider; reports its port and every S3 event
// notification to the parent over IPC, and stops on 'stop' or when the parent goes away.
import S3rver from 's3rver';

const directory = process.argv[2];
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: process.env.CARDOCR_TEST_S3RVER_VERBOSE !== '1',
  directory,
  resetOnClose: true,
});
server.on('event', (event) => process.send?.({ type: 'event', event }));
const { port } = await server.run();
process.send?.({ type: 'ready', port });
const stop = async () => {
  await server.close().catch(() => {});
  process.exit(0);
};
process.on('message', (m) => {
  if (m === 'stop') void stop();
});
process.on('disconnect', () => void stop());
