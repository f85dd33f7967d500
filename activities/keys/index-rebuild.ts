// Rebuilding a rollup's key index state from the chain and the mnemonic (`nexus-bot mnemonic
// rebuild`, DESIGN.md invariant 2). The rollup's mnemonic keys are derived index by index
// (m/12381/3600/i/0/0) and matched against the keys Nexus holds deposited for it, until every one is
// found or `gapLimit` indices in a row after the last match derive none of them.
//
// Why a gap limit, and why 1,000 by default: the bot allocates indices before it deposits, so an
// allocated range whose batch never reached the chain (failed, held, crashed before the deposit)
// leaves a gap as long as the batch, 100 keys by default (monitors.maxBatch), and several such
// batches can follow each other. 1,000 covers ten in a row and costs ~21 s of derivation past the
// last match; that cost is paid only when some deposited keys are not this mnemonic's (DKG keys),
// since the scan stops as soon as every deposited key is found.
import { deriveSigningKeys, wipeKeys } from './derivation';
import { IndexRequestConflictError, IndexStateExistsError } from './errors';
import { canonicalAdmin, type IndexAllocation, type IndexState } from './index-store';

export const DEFAULT_GAP_LIMIT = 1_000;
/**
 * Keys derived per call: the seed and master key once per call (~20 ms), each key ~0.5 ms (native
 * since issue 15; bench/keys.ts). Calls start small and double (8, 8, 16, 32, 64, 64, …): a rollup
 * of a few keys derives few past its last.
 */
const FIRST_BATCH = 8;
const DERIVE_BATCH = 64;
const MAX_INDEX = 2 ** 32 - 1;

export interface FoundKey {
  index: number;
  pubkey: string;
}

export interface KeyScanResult {
  /** The deposited keys this mnemonic derives, by index, ascending. */
  found: FoundKey[];
  /** Deposited keys not derived within the scanned indices (DKG keys, another mnemonic's), in deposit order. */
  notDerived: string[];
  /** Indices 0..derived-1 were derived. */
  derived: number;
}

/**
 * Derives the mnemonic's keys from index 0 until every `deposited` key is matched or `gapLimit`
 * consecutive indices after the last match (or from 0) match none. Secret keys are wiped per batch;
 * only public keys leave this function.
 */
export async function scanMnemonicKeys(opts: {
  mnemonic: string;
  deposited: readonly string[];
  gapLimit: number;
  onProgress?: (progress: { derived: number; found: number }) => void;
}): Promise<KeyScanResult> {
  if (!Number.isInteger(opts.gapLimit) || opts.gapLimit < 1)
    throw new RangeError(`gapLimit must be a positive integer, got ${opts.gapLimit}`);
  const deposited = [...new Set(opts.deposited.map((k) => k.toLowerCase()))];
  const wanted = new Set(deposited);
  const found: FoundKey[] = [];
  let next = 0;
  let lastMatch = -1;
  while (found.length < wanted.size && next <= MAX_INDEX) {
    const budget = opts.gapLimit - (next - lastMatch - 1); // unmatched indices still allowed in a row
    if (budget <= 0) break;
    const count = Math.min(Math.max(FIRST_BATCH, next), DERIVE_BATCH, budget, MAX_INDEX - next + 1);
    const keys = await deriveSigningKeys(
      opts.mnemonic,
      Array.from({ length: count }, (_, i) => next + i),
    );
    wipeKeys(keys); // only the public halves are needed
    for (const key of keys) {
      if (wanted.has(key.pubkeyHex)) {
        found.push({ index: key.index, pubkey: key.pubkeyHex });
        lastMatch = key.index;
      }
    }
    next += count;
    opts.onProgress?.({ derived: next, found: found.length });
  }
  const foundKeys = new Set(found.map((f) => f.pubkey));
  return { found, notDerived: deposited.filter((k) => !foundKeys.has(k)), derived: next };
}

export interface RebuildPlan {
  /** The state to write, or undefined when the current one already holds everything found. */
  state: IndexState | undefined;
  /** Allocations added for found indices no allocation covered. */
  added: IndexAllocation[];
}

/**
 * The state after a rebuild: the current allocations kept as they are (an in-flight batch's retry
 * must find its range), one allocation per run of consecutive found indices that no allocation
 * covers (their pubkeys recorded, a shortcut for exits), and a next index past the highest found
 * that never goes below the current one. An existing state is changed only with `force`
 * (IndexStateExistsError otherwise, naming what would change); a found key that contradicts a
 * recorded pubkey means the state belongs to another mnemonic and is refused even with `force`.
 */
export function planRebuild(opts: {
  rollupAdmin: string;
  current: IndexState | undefined;
  found: readonly FoundKey[];
  force: boolean;
  /** Where the state lives, for messages (IndexStore.stateLocation: "file <path>", a DynamoDB item). */
  statePath: string;
  now?: Date;
}): RebuildPlan {
  const { current, found } = opts;
  const covered = new Map<number, string | undefined>();
  for (const a of current?.allocations ?? []) {
    for (let i = 0; i < a.count; i++) covered.set(a.start + i, a.pubkeys?.[i]);
  }
  const fresh: FoundKey[] = [];
  for (const key of [...found].sort((x, y) => x.index - y.index)) {
    if (!covered.has(key.index)) fresh.push(key);
    else {
      const recorded = covered.get(key.index);
      if (recorded !== undefined && recorded !== key.pubkey) {
        throw new IndexRequestConflictError(
          `index state ${opts.statePath} records ${recorded} at index ${key.index}, but the rollup's mnemonic derives ${key.pubkey} there: the state is not this mnemonic's; nothing was written`,
        );
      }
    }
  }
  const allocatedAt = (opts.now ?? new Date()).toISOString();
  const added: IndexAllocation[] = [];
  for (const key of fresh) {
    const last = added[added.length - 1];
    if (last && last.start + last.count === key.index) {
      last.count += 1;
      last.pubkeys?.push(key.pubkey);
    } else {
      added.push({ requestId: '', start: key.index, count: 1, allocatedAt, pubkeys: [key.pubkey] });
    }
  }
  const ids = new Set(current?.allocations.map((a) => a.requestId));
  for (const a of added) {
    a.requestId = `rebuild:${a.start}-${a.start + a.count - 1}`;
    for (let n = 2; ids.has(a.requestId); n++) a.requestId = `rebuild:${a.start}-${a.start + a.count - 1}#${n}`;
    ids.add(a.requestId);
  }
  const highest = found.reduce((max, k) => Math.max(max, k.index), -1);
  const nextIndex = Math.max(current?.nextIndex ?? 0, highest + 1);
  if (current && added.length === 0 && nextIndex === current.nextIndex) return { state: undefined, added };
  if (current && !opts.force) {
    const changes = [
      ...(nextIndex !== current.nextIndex ? [`next index ${current.nextIndex} → ${nextIndex}`] : []),
      ...(added.length > 0 ? [`${added.length} allocation(s) added for found indices ${describeRanges(added)}`] : []),
    ];
    throw new IndexStateExistsError(
      `index state ${opts.statePath} exists and the rebuild would change it (${changes.join(', ')}); ` +
        'pass --force to merge them in (its allocations are kept and its next index never goes back); nothing was written',
    );
  }
  return {
    state: {
      rollupAdmin: current?.rollupAdmin ?? canonicalAdmin(opts.rollupAdmin),
      nextIndex,
      allocations: [...(current?.allocations ?? []), ...added],
    },
    added,
  };
}

/** "0, 2-3, 5": the index ranges of allocations. */
export function describeRanges(allocations: readonly IndexAllocation[]): string {
  return allocations.map((a) => (a.count === 1 ? `${a.start}` : `${a.start}-${a.start + a.count - 1}`)).join(', ');
}
