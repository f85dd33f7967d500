// The guard index's in-memory set (activities/chain/prefix-block-set.ts): every block of a key is
// found whether the pair is pending or merged, keys sharing a prefix are all answered (the caller
// confirms on chain), duplicates are refused, loads deduplicate, blocks out of range are refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MAX_INDEXED_BLOCK, PrefixBlockSet, blockOfPair, packPair } from '../../../activities/chain/prefix-block-set';

const key = () => `0x${randomBytes(48).toString('hex')}`;

describe('PrefixBlockSet (the pre-deposit guard index in memory)', () => {
  it('finds every block of every key, across the merge of pending pairs (70,000 keys)', () => {
    const set = new PrefixBlockSet();
    const keys = Array.from({ length: 70_000 }, key);
    keys.forEach((k, i) => assert.equal(set.add(packPair(k, 100 + i)), true));
    assert.equal(set.add(packPair(keys[5], 105)), false, 'a duplicate pair was added');
    set.add(packPair(keys[5], 9_000_000)); // a top-up in a later block
    assert.equal(set.size, 70_001);
    assert.deepEqual(set.blocksOf(keys[5]), [105, 9_000_000]);
    assert.deepEqual(set.blocksOf(keys[69_999]), [70_099]);
    assert.deepEqual(set.blocksOf(key()), []);
  });

  it('keys sharing the 38-bit prefix are both answered (no miss; the caller confirms each block)', () => {
    const a = `0x${'ab'.repeat(5)}${'00'.repeat(43)}`;
    const b = `0x${'ab'.repeat(5)}${'ff'.repeat(43)}`;
    const set = new PrefixBlockSet();
    set.add(packPair(a, 7));
    set.add(packPair(b, 9));
    assert.deepEqual(set.blocksOf(a), [7, 9]);
  });

  it('a load sorts and deduplicates; blocks outside the range are refused', () => {
    const k = key();
    const set = new PrefixBlockSet();
    set.load(BigUint64Array.from([packPair(k, 3), packPair(k, 1), packPair(k, 3)]));
    assert.equal(set.size, 2);
    assert.deepEqual(set.blocksOf(k), [1, 3]);
    assert.equal(blockOfPair(packPair(k, MAX_INDEXED_BLOCK)), MAX_INDEXED_BLOCK);
    assert.throws(() => packPair(k, MAX_INDEXED_BLOCK + 1), /outside the index's range/);
    assert.throws(() => packPair('0x12', 1), /not a pubkey/);
  });
});
