// One local network per folder: the launcher holds launcher.pid while it runs. A second launcher
// is refused with the first one's PID; a lock left by a killed launcher is detected and cleared.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive, networkFilePath } from './network-file';

export class AlreadyRunningError extends Error {
  override name = 'AlreadyRunningError';
}

export interface InstanceLock {
  /** A note about what was cleaned up from a previous launcher that did not stop cleanly. */
  staleNote?: string;
  release(): void;
}

export function acquireInstanceLock(dir: string): InstanceLock {
  const path = join(dir, 'launcher.pid');
  let staleNote: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return { staleNote, release: () => rmSync(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isLauncher(holder)) {
      throw new AlreadyRunningError(
        `a local network is already running from ${dir} (launcher pid ${holder}); its addresses are in ${networkFilePath(dir)}. ` +
          `Stop it with Ctrl-C in its terminal (or \`kill ${holder}\`) before starting another, or set NEXUS_LOCALNET_DIR to use another folder.`,
      );
    }
    staleNote = `a previous launcher (pid ${Number.isInteger(holder) ? holder : '?'}) did not stop cleanly: removed its stale launcher.pid and network.json`;
    rmSync(path, { force: true });
    rmSync(networkFilePath(dir), { force: true });
  }
  throw new Error(`could not take the launcher lock ${path}`);
}

/** Alive, and a launcher rather than an unrelated process that reused the PID. */
function isLauncher(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('localnet');
  } catch {
    return true; // cannot tell: assume it is, refusing is the safe side
  }
}
