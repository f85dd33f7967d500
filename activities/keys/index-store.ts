// The key index store (DESIGN.md invariant 2: an index is never used twice, and mnemonic + this
// state re-derive every key the bot ever deposited): what every backend offers and checks.
//
// Two backends:
// - IndexStateStore (index-state.ts): one JSON file per rollup in a folder, the default, for one
//   worker host (or a folder every host mounts);
// - DynamoDbIndexStore (index-store-dynamodb.ts): a DynamoDB table with conditional writes, for
//   several worker hosts, O(1) per allocation.
// Both record the same thing: per rollup a next index and every allocation (request id, range,
// time, and the pubkeys it derived to once known). A rollup without state is ambiguous (new, or
// lost): allocation asks AllocateOptions.whenMissing before it hands out index 0.
import { getAddress } from 'ethers';
import { z } from 'zod';
import { IndexRequestConflictError } from './errors';
import { asRollupAdmin, type RollupAdmin } from '../../protocol/identifiers';

export interface IndexAllocation {
  requestId: string;
  /** First index of the range. */
  start: number;
  count: number;
  /** ISO-8601 time of the allocation. */
  allocatedAt: string;
  /**
   * The pubkeys the range derived to, in index order, once known: public, and only a shortcut for
   * exits (without it the keys are derived again from the mnemonic to find an index).
   */
  pubkeys?: string[];
}

export interface IndexState {
  rollupAdmin: string;
  nextIndex: number;
  allocations: IndexAllocation[];
}

export interface AllocateOptions {
  /**
   * Called when the rollup has no state yet, before index 0 is handed out, with the state's
   * location (IndexStore.stateLocation): throws when that would be wrong (a rollup with deposits,
   * activities/index-state-guard.ts).
   */
  whenMissing?: (location: string) => Promise<void>;
}

export interface UpdateResult {
  before: IndexState | undefined;
  after: IndexState | undefined;
  written: boolean;
}

export interface IndexStore {
  readonly kind: 'file' | 'dynamodb';
  /** Where a rollup's state lives, for messages: "file <path>", "item … of DynamoDB table …". */
  stateLocation(rollupAdmin: string): string;
  /**
   * Allocates `count` new consecutive indices for `requestId`, durably, before any key is used.
   * Idempotent: the same requestId always gets the range it got first (a retried activity never
   * allocates twice); the same requestId with another count is IndexRequestConflictError.
   */
  allocateIndices(
    rollupAdmin: string,
    requestId: string,
    count: number,
    opts?: AllocateOptions,
  ): Promise<IndexAllocation>;
  /**
   * Records the pubkeys a request's indices derived to (idempotent; a different list for the same
   * request is IndexRequestConflictError, since an index derives one key only).
   */
  recordPubkeys(rollupAdmin: string, requestId: string, pubkeys: readonly string[]): Promise<void>;
  /** The rollup's state, empty when it has none. Only where missing state is harmless (see readStateIfPresent). */
  readState(rollupAdmin: string): Promise<IndexState>;
  /** The rollup's state, or undefined when it has none (lost, or never allocated: the caller must tell which). */
  readStateIfPresent(rollupAdmin: string): Promise<IndexState | undefined>;
  /**
   * Replaces the rollup's state atomically against concurrent writers: `update` gets the current
   * state (undefined without one) and returns the new one, or undefined to leave it. It may be
   * called again when another writer got in between. Used by `nexus-bot mnemonic rebuild`, which
   * only adds allocations and raises the next index (the DynamoDB store accepts nothing else).
   */
  updateState(
    rollupAdmin: string,
    update: (current: IndexState | undefined) => IndexState | undefined,
  ): Promise<UpdateResult>;
  /** Every index ever allocated for the rollup, ascending (to re-derive keys, e.g. for exits). */
  allocatedIndices(rollupAdmin: string): Promise<number[]>;
}

/** EIP-2334 indices are uint32. */
export const MAX_INDEX = 2 ** 32 - 1;
export const MAX_COUNT = 10_000;

export const pubkeySchema = z.string().regex(/^0x[0-9a-f]{96}$/);
export const allocationSchema = z.strictObject({
  requestId: z.string().min(1),
  start: z.number().int().min(0),
  count: z.number().int().min(1),
  allocatedAt: z.string().min(1),
  pubkeys: z.array(pubkeySchema).optional(),
});
const stateSchema = z.strictObject({
  rollupAdmin: z.string(),
  nextIndex: z
    .number()
    .int()
    .min(0)
    .max(MAX_INDEX + 1),
  allocations: z.array(allocationSchema),
});

/**
 * The rollup admin as every store (and the mnemonic vault) keys it: checked, lower case, free of
 * path characters. The stores' edge: the CLI hands them checksummed addresses, activities lower case.
 */
export function canonicalAdmin(rollupAdmin: string): RollupAdmin {
  getAddress(rollupAdmin); // throws on a bad EIP-55 checksum of a mixed-case address, as the stores always did
  return asRollupAdmin(rollupAdmin);
}

/** The arguments of allocateIndices, checked the same way by every store. */
export function checkAllocateArguments(requestId: string, count: number): void {
  if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > 256) {
    throw new RangeError('requestId must be a non-empty string of at most 256 characters');
  }
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new RangeError(`count must be an integer in 1..${MAX_COUNT}, got ${count}`);
  }
}

/** A retry of `requestId` finding its earlier allocation: the same range, or a conflict. */
export function previousAllocation(
  admin: string,
  requestId: string,
  count: number,
  previous: IndexAllocation,
): IndexAllocation {
  if (previous.count !== count) {
    throw new IndexRequestConflictError(
      `request ${requestId} of rollup ${admin} already allocated ${previous.count} indices (from ${previous.start}), not ${count}`,
    );
  }
  return { ...previous };
}

export function checkIndexSpace(admin: string, nextIndex: number, count: number): void {
  if (nextIndex + count - 1 > MAX_INDEX) throw new RangeError(`rollup ${admin} would exceed the uint32 index space`);
}

/**
 * Checks pubkeys against the request's allocation: undefined when they are to be written, 'same'
 * when already recorded identically; IndexRequestConflictError otherwise.
 */
export function pubkeysToRecord(
  admin: string,
  requestId: string,
  allocation: IndexAllocation | undefined,
  keys: readonly string[],
): 'same' | undefined {
  if (!allocation)
    throw new IndexRequestConflictError(
      `request ${requestId} of rollup ${admin} has no allocation to record pubkeys for`,
    );
  if (keys.length !== allocation.count) {
    throw new IndexRequestConflictError(
      `request ${requestId} of rollup ${admin} allocated ${allocation.count} indices, got ${keys.length} pubkeys`,
    );
  }
  if (!allocation.pubkeys) return undefined;
  if (allocation.pubkeys.join() !== keys.join())
    throw new IndexRequestConflictError(`request ${requestId} of rollup ${admin} already recorded other pubkeys`);
  return 'same';
}

/** A state read (or about to be written), checked against its own invariants; `corrupt` makes the error. */
export function checkState(json: unknown, admin: RollupAdmin, corrupt: (why: string) => Error): IndexState {
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success)
    throw corrupt(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  const state = parsed.data;
  // The state file or item is outside data: compared in lower case, whatever case it was written in.
  if (state.rollupAdmin.toLowerCase() !== admin) throw corrupt(`it belongs to rollup ${state.rollupAdmin}`);
  const seen = new Set<string>();
  let end = 0;
  for (const a of [...state.allocations].sort((x, y) => x.start - y.start)) {
    if (seen.has(a.requestId)) throw corrupt(`request ${a.requestId} appears twice`);
    seen.add(a.requestId);
    if (a.start < end) throw corrupt(`allocation ${a.requestId} overlaps an earlier one`);
    end = a.start + a.count;
  }
  if (end > state.nextIndex) throw corrupt(`nextIndex ${state.nextIndex} is below allocated index ${end - 1}`);
  return state;
}

/** Every index of the state's allocations, ascending. */
export function indicesOf(state: IndexState): number[] {
  const out: number[] = [];
  for (const a of [...state.allocations].sort((x, y) => x.start - y.start)) {
    for (let i = a.start; i < a.start + a.count; i++) out.push(i);
  }
  return out;
}
