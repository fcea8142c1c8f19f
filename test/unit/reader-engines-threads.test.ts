import { describe, expect, it, vi } from 'vitest';

// Both recognisers are stubbed: the test is about the options the composition passes, not the models.
const seen: Record<string, unknown> = {};
vi.mock('../../functions/adapters/ocr/ppocr/ppocr-recognizer.js', () => ({
  createPpocrRecognizer: async (o: unknown) => {
    seen.ppocr = o;
    return { name: 'ppocr-rec-v4', recognize: async () => [], close: async () => {} };
  },
}));
vi.mock('../../functions/adapters/ocr/crnn/crnn-recognizer.js', () => ({
  createCardCrnnRecognizer: async (o: unknown) => {
    seen.crnn = o;
    return { name: 'card-crnn-v1', recognize: async () => [], close: async () => {} };
  },
}));

const { CARD_CRNN_THREADS, createReaderEngines } = await import('../../functions/adapters/ocr/reader-engines.js');

describe('createReaderEngines threads', () => {
  it('gives PP-OCR the threads asked for and the card-line model one thread', async () => {
    await createReaderEngines({ threads: 2 }).recognizers();
    expect(seen.ppocr).toMatchObject({ threads: 2 });
    expect(CARD_CRNN_THREADS).toBe(1);
    expect(seen.crnn).toEqual({ threads: 1 });
  });
});
