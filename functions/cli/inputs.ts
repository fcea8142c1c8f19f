/**
 * Turns the paths given on the command line into the list of photos to read: files as
 * given, directories expanded to the image files directly inside them (sorted). A path
 * that does not exist or cannot be read is a usage error, reported before any work starts.
 */
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from './usage.js';

/** File name endings picked up when a directory is given. */
const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'] as const;

/** One photo to read. `file` is what the output shows: the path as given, or dir + name. */
export interface ScanInput {
  file: string;
  size: number;
}

const isImageName = (name: string): boolean => IMAGE_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

const reason = (err: unknown): string => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'cannot be read');
};

/**
 * Expands the command-line paths. A file given explicitly is read whatever its name (the
 * reader sniffs the type from the bytes); a directory contributes only image-named files.
 */
export async function expandInputs(paths: readonly string[]): Promise<ScanInput[]> {
  if (paths.length === 0) throw new UsageError('no photos given: pass one or more files or directories');
  const out: ScanInput[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
      await access(path, constants.R_OK);
    } catch (err) {
      throw new UsageError(`cannot read "${path}": ${reason(err)}`, { cause: err });
    }
    if (info.isDirectory()) {
      let names: string[];
      try {
        names = await readdir(path);
      } catch (err) {
        throw new UsageError(`cannot list "${path}": ${reason(err)}`, { cause: err });
      }
      const files = names.filter(isImageName).sort();
      for (const name of files) {
        const file = join(path, name);
        const s = await stat(file).catch(() => null);
        if (s?.isFile()) out.push({ file, size: s.size });
      }
    } else if (info.isFile()) {
      out.push({ file: path, size: info.size });
    } else {
      throw new UsageError(`"${path}" is neither a file nor a directory`);
    }
  }
  if (out.length === 0) throw new UsageError(`no image files (${IMAGE_EXTENSIONS.join(', ')}) in ${paths.join(', ')}`);
  return out;
}
