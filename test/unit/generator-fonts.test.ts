/**
 * The generator refuses to draw without its fonts (librsvg would print a missing family in
 * another face, silently), and its list of families is the one its faces use.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GeneratorError } from '../../tools/generator/errors.js';
import { GENERATOR_FONTS, assertGeneratorFonts, installedFamilies } from '../../tools/generator/fonts.js';

const DIR = join(import.meta.dirname, '..', '..', 'tools', 'generator');

describe('generator fonts', () => {
  it('names every family the faces print with', async () => {
    const used = new Set<string>();
    for (const f of (await readdir(DIR)).filter((n) => n.endsWith('.ts'))) {
      for (const m of (await readFile(join(DIR, f), 'utf8')).matchAll(/family: '([^']+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((f) => !(f in GENERATOR_FONTS))).toEqual([]);
  });

  it('a missing family is an error that names it and the package to install', () => {
    const all = new Set(Object.keys(GENERATOR_FONTS));
    expect(() => assertGeneratorFonts(all)).not.toThrow();
    all.delete('OCRA');
    all.delete('Roboto Condensed');
    let err: unknown;
    try {
      assertGeneratorFonts(all);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GeneratorError);
    expect((err as Error).message).toMatch(/lacks 2: .*OCRA.*Roboto Condensed|lacks 2: .*Roboto Condensed.*OCRA/);
    expect((err as Error).message).toContain('apt-get install fonts-ocr-a fonts-roboto');
  });

  it('this machine has them (.ci/run installs them)', () => {
    expect(installedFamilies().size).toBeGreaterThan(0);
    expect(() => assertGeneratorFonts()).not.toThrow();
  });
});
