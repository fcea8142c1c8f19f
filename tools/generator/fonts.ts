/**
 * The font families the generator prints with, and a check that fontconfig has them.
 *
 * librsvg substitutes a missing family silently (DejaVu Sans, as a rule), so a machine without
 * the fonts renders sets that look right and carry a `font` in their truth that was never used:
 * a held-out set made so is not the set of its seed. Session 7 generated every set on a fresh
 * machine without fonts-ocr-a, -roboto, -liberation, -urw-base35 (22 fontconfig entries) and
 * measured on them for an hour before the glyph tests' failures showed it.
 */
import { execFileSync } from 'node:child_process';
import { GeneratorError } from './errors.js';

/** Every family named in the generator's faces, with the Debian package that installs it (as in .ci/run). */
export const GENERATOR_FONTS: Readonly<Record<string, string>> = {
  'DejaVu Sans': 'fonts-dejavu-core',
  'DejaVu Sans Mono': 'fonts-dejavu-core',
  'DejaVu Serif': 'fonts-dejavu-core',
  'DejaVu Sans Condensed': 'fonts-dejavu-extra',
  Roboto: 'fonts-roboto',
  'Roboto Condensed': 'fonts-roboto',
  OCRA: 'fonts-ocr-a',
  'Liberation Sans': 'fonts-liberation',
  'Liberation Mono': 'fonts-liberation',
  'Liberation Sans Narrow': 'fonts-liberation',
  'Liberation Serif': 'fonts-liberation',
  FreeSans: 'fonts-freefont-ttf',
  FreeMono: 'fonts-freefont-ttf',
  FreeSerif: 'fonts-freefont-ttf',
  'Nimbus Mono PS': 'fonts-urw-base35',
  'Nimbus Sans': 'fonts-urw-base35',
  'Nimbus Sans Narrow': 'fonts-urw-base35',
  'Nimbus Roman': 'fonts-urw-base35',
  'URW Gothic': 'fonts-urw-base35',
};

/** The families fontconfig lists (`fc-list : family`; one entry may name several, comma-separated). */
export function installedFamilies(): Set<string> {
  let out: string;
  try {
    out = execFileSync('fc-list', [':', 'family'], { encoding: 'utf8' });
  } catch (cause) {
    throw new GeneratorError('expected fontconfig\'s fc-list to list the fonts, but it did not run: install fontconfig (apt-get install fontconfig)', { cause });
  }
  return new Set(out.split('\n').flatMap((l) => l.split(',').map((f) => f.trim())).filter(Boolean));
}

/**
 * Throws a `GeneratorError` naming the missing families and the packages to install when any
 * family the generator prints with is not installed.
 */
export function assertGeneratorFonts(installed: ReadonlySet<string> = installedFamilies()): void {
  const missing = Object.keys(GENERATOR_FONTS).filter((f) => !installed.has(f));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((f) => GENERATOR_FONTS[f]!))].sort();
  throw new GeneratorError(
    `expected the generator's ${Object.keys(GENERATOR_FONTS).length} font families, but fontconfig lacks ${missing.length}: ` +
      `${missing.join(', ')} (librsvg would print them in another face and the set would not be its seed's); ` +
      `install them: apt-get install ${packages.join(' ')}`,
  );
}
