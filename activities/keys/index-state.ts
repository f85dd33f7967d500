// Durable allocation of mnemonic key indices per rollup (DESIGN.md invariant 2: an index is never
// used twice, and mnemonic + this state re-derive every key the bot ever deposited).
//
// One JSON file per rollup, `<folder>/<rollupAdmin lower-case>.json`:
//   {rollupAdmin, nextIndex, allocations: [{requestId, start, count, allocatedAt}]}
// Writes: exclusive lock file (O_EXCL, stale detection by PID) -> temp file -> fsync -> rename ->
// fsync of the folder, so a crash at any point leaves either the old or the new state, never a
// torn one, and a committed allocation survives power loss.
//
// A missing file is ambiguous (a new rollup, or a lost file): allocation asks its caller
// (AllocateOptions.whenMissing) before it hands out index 0, and `nexus-bot mnemonic rebuild`
// writes the file again from the chain and the mnemonic (index-rebuild.ts, updateState).
//
// Scope: the lock and the PID check work between processes of ONE host. Several worker hosts must
// share the folder (e.g. NFS v3+, where O_EXCL create and rename are atomic) or use the DynamoDB
// store (index-store-dynamodb.ts, keys.indexStore): separate local folders on two hosts would hand
// out the same indices. A lock from another host cannot be checked by PID, so it counts as stale
// only after `foreignLockStaleMs` (the critical section takes milliseconds).
// Every write rewrites the rollup's whole file: O(allocations) per write (bench/index-store.ts).
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { getAddress } from 'ethers';
import { z } from 'zod';
import { IndexStateCorruptError, IndexStateLockTimeoutError } from './errors';
import type { RollupAdmin } from '../../protocol/identifiers';
import {
  canonicalAdmin,
  checkAllocateArguments,
  checkIndexSpace,
  checkState,
  indicesOf,
  previousAllocation,
  pubkeysToRecord,
  type AllocateOptions,
  type IndexAllocation,
  type IndexState,
  type IndexStore,
  type UpdateResult,
} from './index-store';

export type { AllocateOptions, IndexAllocation, IndexState, IndexStore } from './index-store';

export interface IndexStateStoreOptions {
  /** Folder of the state files. It must exist unless `createFolder` (a missing folder must not look like "no allocations yet"). */
  folder: string;
  createFolder?: boolean;
  /** How long to wait for a lock held by a live process (default 30 s), then a retryable error. */
  lockTimeoutMs?: number;
  /** Age after which a lock written by another host counts as stale (default 120 s). */
  foreignLockStaleMs?: number;
}

/** A lock file with no content yet is being written; only after this long is it a crash leftover. */
const EMPTY_LOCK_GRACE_MS = 5_000;

const lockSchema = z.object({ pid: z.number().int(), hostname: z.string(), token: z.string(), createdAt: z.number() });
type LockInfo = z.infer<typeof lockSchema>;

export class IndexStateStore implements IndexStore {
  readonly kind = 'file';
  private readonly folder: string;
  private readonly lockTimeoutMs: number;
  private readonly foreignLockStaleMs: number;

  constructor(private readonly opts: IndexStateStoreOptions) {
    this.folder = opts.folder;
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 30_000;
    this.foreignLockStaleMs = opts.foreignLockStaleMs ?? 120_000;
  }

  /** Path of a rollup's state file. */
  statePath(rollupAdmin: string): string {
    return join(this.folder, `${canonicalAdmin(rollupAdmin)}.json`);
  }

  stateLocation(rollupAdmin: string): string {
    return `file ${this.statePath(rollupAdmin)}`;
  }

  async allocateIndices(
    rollupAdmin: string,
    requestId: string,
    count: number,
    opts: AllocateOptions = {},
  ): Promise<IndexAllocation> {
    const admin = canonicalAdmin(rollupAdmin);
    checkAllocateArguments(requestId, count);
    await this.ensureFolder();
    const path = this.statePath(admin);
    return this.withLock(path, async (stillHeld) => {
      await removeTempFiles(path); // under the lock, any temp file is a crashed writer's leftover
      let state = await readState(path, admin);
      if (!state) {
        // Under the lock: no other allocation can create the file while the caller decides.
        await opts.whenMissing?.(this.stateLocation(admin));
        state = { rollupAdmin: admin, nextIndex: 0, allocations: [] };
      }
      const previous = state.allocations.find((a) => a.requestId === requestId);
      if (previous) return previousAllocation(admin, requestId, count, previous);
      checkIndexSpace(admin, state.nextIndex, count);
      const allocation: IndexAllocation = {
        requestId,
        start: state.nextIndex,
        count,
        allocatedAt: new Date().toISOString(),
      };
      await writeStateAtomically(
        path,
        { ...state, nextIndex: state.nextIndex + count, allocations: [...state.allocations, allocation] },
        stillHeld,
      );
      return { ...allocation };
    });
  }

  async recordPubkeys(rollupAdmin: string, requestId: string, pubkeys: readonly string[]): Promise<void> {
    const admin = canonicalAdmin(rollupAdmin);
    const keys = pubkeys.map((k) => k.toLowerCase());
    await this.ensureFolder();
    const path = this.statePath(admin);
    await this.withLock(path, async (stillHeld) => {
      await removeTempFiles(path);
      const state = await readState(path, admin);
      const allocation = state?.allocations.find((a) => a.requestId === requestId);
      if (pubkeysToRecord(admin, requestId, allocation, keys) === 'same' || !state) return;
      const allocations = state.allocations.map((a) => (a === allocation ? { ...a, pubkeys: keys } : a));
      await writeStateAtomically(path, { ...state, allocations }, stillHeld);
    });
  }

  /**
   * The rollup's state, empty when there is no file. Reads need no lock: writes are renames. Only
   * for reads where a missing file is harmless (see readStateIfPresent).
   */
  async readState(rollupAdmin: string): Promise<IndexState> {
    const admin = canonicalAdmin(rollupAdmin);
    return (await this.readStateIfPresent(admin)) ?? { rollupAdmin: admin, nextIndex: 0, allocations: [] };
  }

  /** The rollup's state, or undefined when it has no file (lost, or never allocated: the caller must tell which). */
  async readStateIfPresent(rollupAdmin: string): Promise<IndexState | undefined> {
    const admin = canonicalAdmin(rollupAdmin);
    await this.ensureFolder();
    return readState(this.statePath(admin), admin);
  }

  /**
   * Replaces the rollup's state under its lock: `update` gets the current state (undefined without
   * a file) and returns the new one, or undefined to leave the file as it is. The new state must
   * pass the checks every read makes. Used by `nexus-bot mnemonic rebuild` (index-rebuild.ts).
   */
  async updateState(
    rollupAdmin: string,
    update: (current: IndexState | undefined) => IndexState | undefined,
  ): Promise<UpdateResult> {
    const admin = canonicalAdmin(rollupAdmin);
    await this.ensureFolder();
    const path = this.statePath(admin);
    return this.withLock(path, async (stillHeld) => {
      await removeTempFiles(path);
      const before = await readState(path, admin);
      const next = update(before === undefined ? undefined : structuredClone(before));
      if (next === undefined) return { before, after: before, written: false };
      checkState(next, admin, corruptionOf(path, admin));
      await writeStateAtomically(path, next, stillHeld);
      return { before, after: next, written: true };
    });
  }

  async allocatedIndices(rollupAdmin: string): Promise<number[]> {
    return indicesOf(await this.readState(rollupAdmin));
  }

  /** Checked on every call, not cached: a folder that disappears later must not read as "no allocations". */
  private async ensureFolder(): Promise<void> {
    if (this.opts.createFolder) await fs.mkdir(this.folder, { recursive: true });
    const st = await fs.stat(this.folder).catch((err: NodeJS.ErrnoException) => {
      throw new IndexStateCorruptError(
        `index state folder ${this.folder} is not accessible (${err.code}); refusing to start from index 0, which could reuse keys`,
      );
    });
    if (!st.isDirectory()) throw new IndexStateCorruptError(`index state folder ${this.folder} is not a directory`);
  }

  /** Runs `fn` holding `<path>.lock`; `fn` gets a check that the lock is still ours. */
  private async withLock<T>(path: string, fn: (stillHeld: () => Promise<boolean>) => Promise<T>): Promise<T> {
    const lockPath = `${path}.lock`;
    const mine: LockInfo = {
      pid: process.pid,
      hostname: hostname(),
      token: randomBytes(16).toString('hex'),
      createdAt: Date.now(),
    };
    const content = JSON.stringify(mine);
    const deadline = Date.now() + this.lockTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (await tryCreateLock(lockPath, content)) break;
      const observed = await readFileOrUndefined(lockPath);
      if (observed !== undefined && (await this.isStale(lockPath, observed))) {
        await breakStaleLock(lockPath, observed);
        continue;
      }
      if (Date.now() > deadline) {
        throw new IndexStateLockTimeoutError(
          `index state lock ${lockPath} is held by a live process (${describeLock(observed)}) for over ${this.lockTimeoutMs} ms`,
        );
      }
      await sleep(Math.min(5 + attempt * 2, 50) + Math.random() * 10);
    }
    try {
      return await fn(async () => (await readFileOrUndefined(lockPath)) === content);
    } finally {
      // Remove the lock only if it is still ours (never another process's lock).
      if ((await readFileOrUndefined(lockPath)) === content) await fs.unlink(lockPath).catch(() => undefined);
    }
  }

  private async isStale(lockPath: string, observed: string): Promise<boolean> {
    const parsed = lockSchema.safeParse(safeJson(observed));
    if (!parsed.success) {
      // Empty or torn: the holder crashed between creating and writing it, unless that is happening now.
      const st = await fs.stat(lockPath).catch(() => undefined);
      return st !== undefined && Date.now() - st.mtimeMs > EMPTY_LOCK_GRACE_MS;
    }
    const lock = parsed.data;
    if (lock.hostname !== hostname()) return Date.now() - lock.createdAt > this.foreignLockStaleMs;
    return !processAlive(lock.pid);
  }
}

async function tryCreateLock(lockPath: string, content: string): Promise<boolean> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(lockPath, 'wx'); // O_CREAT | O_EXCL: exactly one creator wins
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return true;
}

/**
 * Removes a stale lock whose content was `observed`. It is first renamed aside (atomic) and checked:
 * if another process replaced the stale lock in between, the fresh lock is put back.
 */
async function breakStaleLock(lockPath: string, observed: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = await readFileOrUndefined(aside);
  if (moved !== observed) {
    await fs.link(aside, lockPath).catch(() => undefined); // EEXIST: someone else holds it now
  }
  await fs.unlink(aside).catch(() => undefined);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

async function readState(path: string, admin: RollupAdmin): Promise<IndexState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new IndexStateCorruptError(`index state file ${path} cannot be read (${code ?? String(err)})`);
  }
  const corrupt = corruptionOf(path, admin);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt('not JSON');
  }
  return checkState(json, admin, corrupt);
}

function corruptionOf(path: string, admin: string): (why: string) => IndexStateCorruptError {
  return (why) =>
    new IndexStateCorruptError(
      `index state file ${path} is corrupt (${why}); it is never reset automatically, since that would reuse key indices: ` +
        `restore it from a backup, or move it aside and run \`nexus-bot mnemonic rebuild ${getAddress(admin)}\``,
    );
}

async function writeStateAtomically(path: string, state: IndexState, stillHeld: () => Promise<boolean>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const fh = await fs.open(tmp, 'wx');
    try {
      await fh.writeFile(`${JSON.stringify(state, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    // Commit only while the lock is still ours (a stale-lock break by another process is the only way to lose it).
    if (!(await stillHeld()))
      throw new IndexStateLockTimeoutError(`index state lock of ${path} was lost before commit; nothing was written`);
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
  const dir = await fs.open(dirname(path), 'r');
  try {
    await dir.sync(); // makes the rename itself durable
  } finally {
    await dir.close();
  }
}

async function removeTempFiles(path: string): Promise<void> {
  const prefix = `${basename(path)}.tmp-`;
  for (const name of await fs.readdir(dirname(path))) {
    if (name.startsWith(prefix)) await fs.unlink(join(dirname(path), name)).catch(() => undefined);
  }
}

async function readFileOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function describeLock(content: string | undefined): string {
  const parsed = lockSchema.safeParse(safeJson(content ?? ''));
  return parsed.success ? `pid ${parsed.data.pid} on ${parsed.data.hostname}` : 'unknown holder';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
