/**
 * Config edges that are easy to get wrong by hand: the local runner's extra users.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/core/config.js';

const A = 'alice-token-0123456789abc';
const B = 'bob-token-0123456789abcdef';

describe('CARDOCR_API_USERS', () => {
  it('reads name=token pairs', () => {
    const { local } = loadConfig(['local'], { CARDOCR_API_USERS: `alice=${A} bob=${B}` });
    expect(local.apiUsers).toEqual({ alice: A, bob: B });
  });

  it('refuses a user named twice (the last token would win silently) and a token shared by two users', () => {
    expect(() => loadConfig(['local'], { CARDOCR_API_USERS: `alice=${A} alice=${B}` })).toThrow(/CARDOCR_API_USERS.*each user name once|each user name once/);
    expect(() => loadConfig(['local'], { CARDOCR_API_USERS: `alice=${A} bob=${A}` })).toThrow(/a token of their own/);
  });
});

describe('CARDOCR_CONCURRENCY', () => {
  it('defaults to the cores within half the memory, and refuses more compute threads than the memory holds', async () => {
    const { maxReaderThreads, defaultReaderThreads, processMemory } = await import('../../functions/core/reader-memory.js');
    const { cpus } = await import('node:os');
    const most = maxReaderThreads();
    expect(loadConfig(['local'], {}).local.concurrency).toBe(defaultReaderThreads(cpus().length));
    expect(loadConfig(['local'], {}).local.concurrency).toBeLessThanOrEqual(most);
    expect(loadConfig(['local'], { CARDOCR_CONCURRENCY: String(most) }).local.concurrency).toBe(most);
    expect(() => loadConfig(['local'], { CARDOCR_CONCURRENCY: String(most + 1) })).toThrow(/CARDOCR_CONCURRENCY/);
    // The counting itself, at sizes this host may not have (600 MiB a thread; the default half of it).
    const gib = 2 ** 30;
    expect([16, 2, 0.25].map((g) => maxReaderThreads(g * gib))).toEqual([27, 3, 1]);
    expect([64, 2].map((cores) => defaultReaderThreads(cores, 16 * gib))).toEqual([13, 2]);
    expect(processMemory()).toBeGreaterThan(0);
  });
});
