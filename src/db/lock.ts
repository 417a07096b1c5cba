import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

export interface DirLock {
  release(): void;
}

/**
 * PGlite has no lock between processes: two of them on one data directory corrupt it. This lock
 * file holds the owner's pid; a lock whose owner is gone is taken over, a live one refuses.
 */
export function lockDataDir(dir: string): DirLock {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'gatehouse.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            if (readOwner(file) === process.pid) unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(file);
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
        throw new DataDirLockedError(
          `the embedded database in ${dir} is in use by process ${owner}; PGlite serves one process only ` +
            '(stop that process, use another DATA_DIR, or set DATABASE_URL to share Postgres)',
        );
      }
      if (owner === process.pid) {
        throw new DataDirLockedError(`the embedded database in ${dir} is already open in this process`);
      }
      try {
        unlinkSync(file); // stale: its owner died without releasing it
      } catch {
        // someone else removed it first; retry
      }
    }
  }
  throw new DataDirLockedError(`could not lock ${dir}: another process is starting on it`);
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
