/**
 * Writing the CLI's output files (figures, captures, sweep results) the way a careful tool
 * does: every file of a command is rendered first and written last, each to a temporary
 * file with an unpredictable name beside it (created exclusively, so no existing file or
 * symlink is followed) and then renamed over the target, so a reader never sees half a file
 * and a failure leaves the old files as they were. Missing parent folders are created; a
 * folder where a file is expected is an error, as is a file name or prefix that names a
 * folder (`--out /tmp` would write /tmp.jsonl and plots into /).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { InputError } from './errors.ts';
import { clip } from '../src/scenarios/show.ts';

export interface OutputFile {
  /** the flag that asked for it, for messages (`--svg`, `--out`) */
  flag: string;
  file: string;
  data: string | Uint8Array;
}

const shown = (f: string): string => clip(f, 100);
const why = (e: unknown): string => clip(((e as Error).message ?? String(e)).split('\n')[0] ?? '', 160);
const isDir = (p: string): boolean => {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
};

/** Refuse an output file name that is a folder (or ends like one). */
export function checkOutFile(flag: string, file: string): void {
  if (file.endsWith('/') || file.endsWith(sep) || isDir(file)) throw new InputError([`${flag}: ${shown(file)} is a directory; give a file name (e.g. ${shown(join(file, 'out'))}…)`]);
}

/**
 * Refuse an output prefix (`sweep --out <prefix>` writes `<prefix>.jsonl`, `.csv`, …) that
 * resolves to the root or names a folder: the files would land beside it, not in it.
 */
export function checkOutPrefix(flag: string, prefix: string): void {
  const abs = resolve(prefix);
  if (abs === resolve('/') || prefix.endsWith('/') || prefix.endsWith(sep) || basename(abs) === '' || basename(abs) === '.' || basename(abs) === '..' || isDir(prefix)) {
    throw new InputError([`${flag}: ${shown(prefix)} is a directory, and this is a file prefix: give a name inside it (e.g. ${shown(join(prefix, 'sweep'))} writes ${shown(join(prefix, 'sweep.jsonl'))}, …)`]);
  }
}

/** Write files all or nothing (as far as a file system allows): temp files first, then renames. */
export function writeFiles(files: readonly OutputFile[]): void {
  const seen = new Map<string, string>();
  for (const f of files) {
    checkOutFile(f.flag, f.file);
    const abs = resolve(f.file);
    const other = seen.get(abs);
    if (other !== undefined) throw new InputError([`${f.flag}: ${shown(f.file)} is also the file of ${other}; give each output its own file`]);
    seen.set(abs, f.flag);
  }
  const temps: { tmp: string; f: OutputFile }[] = [];
  try {
    for (const f of files) {
      const dir = dirname(resolve(f.file));
      try {
        mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw new InputError([`${f.flag}: cannot create the folder ${shown(dir)}: ${why(e)}`]);
      }
      // exclusive create of a random name: an attacker's file or symlink there makes this fail, not follow
      const tmp = join(dir, `.${basename(f.file).slice(0, 100)}.${randomBytes(8).toString('hex')}.tmp`);
      try {
        const fd = openSync(tmp, 'wx', 0o666);
        temps.push({ tmp, f });
        try {
          const bytes = typeof f.data === 'string' ? Buffer.from(f.data) : f.data;
          for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
        } finally {
          closeSync(fd);
        }
      } catch (e) {
        throw new InputError([`${f.flag}: cannot write ${shown(f.file)}: ${why(e)}`]);
      }
    }
    for (const { tmp, f } of temps) {
      try {
        renameSync(tmp, f.file);
      } catch (e) {
        throw new InputError([`${f.flag}: cannot write ${shown(f.file)}: ${why(e)}`]);
      }
    }
  } finally {
    for (const { tmp } of temps) rmSync(tmp, { force: true });
  }
}

/** Write one file atomically (see writeFiles). */
export function writeAtomic(flag: string, file: string, data: string | Uint8Array): void {
  writeFiles([{ flag, file, data }]);
}
