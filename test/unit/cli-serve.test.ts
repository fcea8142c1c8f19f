/**
 * `cardocr serve` start-up failures: a port another program holds is a usage error that
 * names the port and suggests --port (exit 2, no stack); other failures pass through.
 * The listener is real (node:http on 127.0.0.1), the pipeline is not started.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalPipeline } from '../../functions/local/index.js';
import { portInUse, runServe } from '../../functions/cli/serve.js';
import { UsageError } from '../../functions/cli/usage.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const listen = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    servers.push(s);
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });

describe('serve on a busy port', () => {
  it('says which port is taken and suggests --port, as a usage error without a hint to --help', async () => {
    const busy = await listen(0);
    const port = (busy.address() as AddressInfo).port;
    // The stand-in pipeline listens like the real one does: it gets the real EADDRINUSE.
    const start = async (): Promise<LocalPipeline> => {
      await listen(port);
      throw new Error('unreachable: the port was free');
    };
    const err = await runServe(['--port', String(port)], { start }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    const u = err as UsageError;
    expect(u.message).toMatch(new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is already in use`));
    expect(u.message).toContain(`--port ${port + 1}`);
    expect(u.message).toContain('--port 0 picks a free one');
    expect(u.hint).toBe(false);
    expect((u.cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  });

  it('falls back to PORT / 3000 when the error does not say, and leaves other errors alone', () => {
    const e = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    expect(portInUse(e, {}, { PORT: '8080' })?.message).toMatch(/^port 8080 on 127\.0\.0\.1 is already in use/);
    expect(portInUse(e, { host: '0.0.0.0' }, {})?.message).toMatch(/^port 3000 on 0\.0\.0\.0/);
    expect(portInUse(new Error('disk full'), {}, {})).toBeNull();
  });
});
