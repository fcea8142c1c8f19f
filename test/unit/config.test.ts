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
