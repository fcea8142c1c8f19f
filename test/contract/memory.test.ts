/**
 * The port contracts run against the in-memory fakes the unit suites use (test/support/
 * memory-fakes.ts): a fake that breaks a contract (as MemoryResultStore once ignored
 * `ifAttempts`, the optimistic lock of the stages' claims) would let unit tests pass on
 * behaviour no real adapter has.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { MemoryJobQueue, MemoryObjectStore, MemoryResultStore } from '../support/memory-fakes.js';
import { describeJobQueueContract } from './job-queue.contract.js';
import { describeObjectStoreContract } from './object-store.contract.js';
import { describeResultStoreContract } from './result-store.contract.js';
import { describeQuotaCounterContract } from './quota-counter.contract.js';
import { InProcessQuotaCounter } from '../../functions/handlers/api/rate-limit.js';

describeObjectStoreContract(
  'MemoryObjectStore',
  async () => {
    const store = new MemoryObjectStore();
    // Upload targets need an endpoint: a minimal one that stores the posted file under its key.
    const app = new Hono().post('/upload', async (c) => {
      const form = await c.req.parseBody();
      const key = form['key'];
      const file = form['file'];
      if (typeof key !== 'string' || !(file instanceof File)) return c.body(null, 400);
      await store.put(key, new Uint8Array(await file.arrayBuffer()), { contentType: file.type });
      return c.body(null, 204);
    });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    store.uploadUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`;
    return { store, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  },
  // Like s3rver, the fake's endpoint stores what it gets; policies are the real adapters' business.
  { enforcesUploadPolicy: false },
);

describeResultStoreContract('MemoryResultStore', async () => ({ store: new MemoryResultStore() }));

describeQuotaCounterContract('InProcessQuotaCounter (the API default)', async () => ({ counter: new InProcessQuotaCounter() }));

describeJobQueueContract('MemoryJobQueue', async ({ maxAttempts, now }) => ({ queue: new MemoryJobQueue({ maxAttempts, now }) }));
