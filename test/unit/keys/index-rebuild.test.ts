// Rebuilding a lost key index state (activities/keys/index-rebuild.ts) and what a missing state
// file means to its readers (IndexStateStore.allocateIndices whenMissing, findKeyIndices): the
// scan finds non-contiguous deposited keys and stops at the gap limit; the plan keeps existing
// allocations, never moves the next index back, changes an existing file only with force and
// writes nothing when nothing is new; allocation asks before handing out index 0 of a new file.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ethers } from 'ethers';
import { deriveSigningKeys, wipeKeys } from '../../../activities/keys/derivation';
import {
  IndexRequestConflictError,
  IndexStateExistsError,
  IndexStateMissingError,
} from '../../../activities/keys/errors';
import { planRebuild, scanMnemonicKeys, type FoundKey } from '../../../activities/keys/index-rebuild';
import { IndexStateStore, type IndexState } from '../../../activities/keys/index-state';
import { findKeyIndices } from '../../../activities/keys/key-lookup';

// The EIP-2333 test mnemonic (public, test vectors only).
const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const FOREIGN = `0x${'ab'.repeat(48)}`;

async function pubkeysAt(indices: number[]): Promise<string[]> {
  const keys = await deriveSigningKeys(MNEMONIC, indices);
  wipeKeys(keys);
  return keys.map((k) => k.pubkeyHex);
}

describe('keys: index state rebuild (scan, plan) and missing state files', () => {
  let keys: string[]; // indices 0..9
  before(async () => {
    keys = await pubkeysAt([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  describe('scanMnemonicKeys', () => {
    it('finds deposited keys at non-contiguous indices, lists the foreign ones, and stops at the gap limit', async () => {
      const deposited = [keys[5], FOREIGN, keys[0], keys[2]];
      const all = await scanMnemonicKeys({ mnemonic: MNEMONIC, deposited, gapLimit: 3 });
      assert.deepEqual(all.found, [
        { index: 0, pubkey: keys[0] },
        { index: 2, pubkey: keys[2] },
        { index: 5, pubkey: keys[5] },
      ]);
      assert.deepEqual(all.notDerived, [FOREIGN]);
      // The foreign key is never found: the scan goes on 3 indices past the last match (5), no further.
      assert.equal(all.derived, 9);

      // Gap limit 2: indices 3 and 4 match nothing after 2, so index 5 is never reached.
      const short = await scanMnemonicKeys({ mnemonic: MNEMONIC, deposited, gapLimit: 2 });
      assert.deepEqual(
        short.found.map((f) => f.index),
        [0, 2],
      );
      assert.deepEqual(short.notDerived, [keys[5], FOREIGN]);
      assert.equal(short.derived, 5);
    });

    it('stops as soon as every deposited key is found', async () => {
      const progress: number[] = [];
      const r = await scanMnemonicKeys({
        mnemonic: MNEMONIC,
        deposited: [keys[1]],
        gapLimit: 1000,
        onProgress: (p) => progress.push(p.derived),
      });
      assert.deepEqual(r.found, [{ index: 1, pubkey: keys[1] }]);
      assert.equal(r.derived, 8, 'one first batch of 8');
      assert.deepEqual(progress, [r.derived]);
    });
  });

  describe('planRebuild', () => {
    const admin = ethers.Wallet.createRandom().address;
    const found = (indices: number[]): FoundKey[] => indices.map((index) => ({ index, pubkey: keys[index] }));
    const plan = (current: IndexState | undefined, indices: number[], force = false) =>
      planRebuild({
        rollupAdmin: admin,
        current,
        found: found(indices),
        force,
        statePath: 'state.json',
        now: new Date(0),
      });

    it('without a file: one allocation per run of found indices, with pubkeys, next index past the highest', () => {
      const { state, added } = plan(undefined, [0, 2, 3, 5]);
      assert.equal(state?.nextIndex, 6);
      assert.deepEqual(
        added.map((a) => [a.requestId, a.start, a.count, a.pubkeys]),
        [
          ['rebuild:0-0', 0, 1, [keys[0]]],
          ['rebuild:2-3', 2, 2, [keys[2], keys[3]]],
          ['rebuild:5-5', 5, 1, [keys[5]]],
        ],
      );
      // Nothing found (all DKG keys): a state at index 0 that says so.
      assert.deepEqual(plan(undefined, []).state, { rollupAdmin: admin.toLowerCase(), nextIndex: 0, allocations: [] });
    });

    it('an existing file: unchanged when nothing is new, changed only with force, allocations kept, next index never back', () => {
      const current: IndexState = {
        rollupAdmin: admin.toLowerCase(),
        nextIndex: 9,
        allocations: [
          { requestId: 'wf-1', start: 0, count: 3, allocatedAt: 'x' },
          { requestId: 'wf-2', start: 7, count: 2, allocatedAt: 'x' },
        ],
      };
      assert.equal(plan(current, [0, 2, 7]).state, undefined, 'all found indices are covered: nothing to write');
      assert.throws(
        () => plan(current, [0, 5]),
        (err: unknown) =>
          err instanceof IndexStateExistsError && /--force/.test(err.message) && /indices 5/.test(err.message),
      );
      const forced = plan(current, [0, 5], true);
      assert.deepEqual(
        forced.state?.allocations.map((a) => a.requestId),
        ['wf-1', 'wf-2', 'rebuild:5-5'],
      );
      assert.equal(forced.state?.nextIndex, 9, 'the next index does not go back to 6');
      // A recorded pubkey the mnemonic contradicts: another mnemonic's file, refused even with force.
      const recorded: IndexState = {
        ...current,
        allocations: [{ requestId: 'wf-1', start: 0, count: 1, allocatedAt: 'x', pubkeys: [keys[9]] }],
      };
      assert.throws(() => plan(recorded, [0], true), IndexRequestConflictError);
    });
  });

  describe('missing state files', () => {
    let folder: string;
    beforeEach(async () => {
      folder = await fs.mkdtemp(join(tmpdir(), 'nexus-index-missing-'));
    });
    afterEach(async () => {
      await fs.rm(folder, { recursive: true, force: true });
    });

    it('allocation asks whenMissing before index 0 of a new file: a refusal allocates nothing; an existing file is not asked about', async () => {
      const store = new IndexStateStore({ folder });
      const admin = ethers.Wallet.createRandom().address;
      const asked: string[] = [];
      const refuse = async (path: string) => {
        asked.push(path);
        throw new IndexStateMissingError('deposits exist');
      };
      await assert.rejects(store.allocateIndices(admin, 'r1', 2, { whenMissing: refuse }), IndexStateMissingError);
      assert.deepEqual(asked, [store.stateLocation(admin)]);
      assert.equal(await store.readStateIfPresent(admin), undefined, 'no file was written');
      const first = await store.allocateIndices(admin, 'r1', 2, {
        whenMissing: async (path) => {
          asked.push(path);
        },
      });
      assert.equal(first.start, 0);
      assert.equal((await store.allocateIndices(admin, 'r2', 1, { whenMissing: refuse })).start, 2);
      assert.equal(asked.length, 2, 'not asked once the file exists');
    });

    it('findKeyIndices without a state file throws the caller\'s missing-state error, not "unknown key"', async () => {
      const store = new IndexStateStore({ folder });
      const admin = ethers.Wallet.createRandom().address;
      const err = await findKeyIndices({
        indexStore: store,
        rollupAdmin: admin,
        pubkeys: [keys[0]],
        readMnemonic: async () => MNEMONIC,
        whenMissing: async (path) => new IndexStateMissingError(`missing ${path}`),
      }).catch((e: unknown) => e);
      assert.ok(err instanceof IndexStateMissingError, String(err));
      assert.ok(err.message.includes(store.statePath(admin)));
    });
  });
});
