import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanKey } from '../../functions/local/watcher.js';
import { FsObjectStore, isValidKey, validateKey } from '../../functions/adapters/local/fs-object-store.js';

describe('cleanKey (the name a folder photo with an unusable name is renamed to)', () => {
  it('replaces control characters and leading dots, and the result is a valid key', () => {
    for (const path of ['uploads/a\nb.jpg', 'uploads/tab\tname.png', 'uploads/.hidden.jpg', 'uploads/back\\slash.jpg']) {
      const key = cleanKey(path);
      expect(isValidKey(key)).toBe(true);
      expect(key.startsWith('uploads/')).toBe(true);
    }
    expect(cleanKey('uploads/.hidden.jpg')).toBe('uploads/_hidden.jpg');
  });

  it('never renames a photo to a name that holds a full card number', () => {
    const key = cleanKey('uploads/tab\t4539\t1488\t0343\t6467.jpg');
    expect(key.replace(/\D/g, '')).not.toContain('4539148803436467');
    expect(key).toContain('453914••••••6467');
    expect(isValidKey(key)).toBe(true);
  });

  it('masks a card number that an over-long name is cut through', () => {
    // The number starts 11 characters before the cut at 100: cut first, its 11 digits would stay unmasked.
    const key = cleanKey(`uploads/${'a'.repeat(89)}4539148803436467${'b'.repeat(150)}.jpg`);
    expect(key.replace(/\D/g, '')).not.toContain('4539148803');
    expect(key).toContain('453914•••••');
    expect(isValidKey(key)).toBe(true);
  });

  it('an invalid key is refused with the number masked, even where the quoted part cuts it', () => {
    // The quote keeps 80 characters: the number starts 10 before, so cut first its 10 digits would stay unmasked.
    const bad = `uploads/${'a'.repeat(62)}4539148803436467\\x.jpg`;
    expect(() => validateKey(bad)).toThrow(/invalid object key/);
    let message = '';
    try {
      validateKey(bad);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.replace(/\D/g, '')).not.toContain('4539148803');
    expect(message).toContain('453914••••');
  });

  it('a missing object is reported with the number in its key masked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cardocr-fs-'));
    try {
      const store = new FsObjectStore({ root: join(dir, 'bucket'), uploadUrl: 'http://unused/local-upload', secret: 's' });
      const message = await store.get('uploads/4539148803436467.jpg').then(() => '', (err: Error) => err.message);
      expect(message).toMatch(/does not exist/);
      expect(message.replace(/\D/g, '')).not.toContain('4539148803436467');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
