// The guard's persisted log index (activities/chain/pubkey-log-index.ts) through what a worker
// lives through: a restart that finds a torn last line (a crash mid-append), a local chain reset
// under the same contract addresses (the old index must not answer for the new chain), and a key
// deposited in the unconfirmed tail. The chain is a small in-memory provider (blocks with hashes
// per chain "era", eth_getLogs filtered by address, topic and range); the real-chain path is in
// test/integration/deposit-guard.test.ts.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ethers, type Provider } from 'ethers';
import { PubkeyLogIndex } from '../../../activities/chain/pubkey-log-index';

const ADDRESS = ethers.getAddress(`0x${'de'.repeat(20)}`);
const TOPIC0 = ethers.id('Key(bytes)');

class Chain {
  era = 1;
  head = 0;
  logs: { block: number; pubkey: string }[] = [];
  getLogsCalls: { from: number; to: number }[] = [];
  addKey(block: number): string {
    const pubkey = `0x${randomBytes(48).toString('hex')}`;
    this.logs.push({ block, pubkey });
    return pubkey;
  }
  provider(): Provider {
    return {
      getBlockNumber: async () => this.head,
      getBlock: async (n: number) => (n <= this.head ? { number: n, hash: ethers.id(`era${this.era}:${n}`) } : null),
      getLogs: async (f: { fromBlock: number; toBlock: number }) => {
        this.getLogsCalls.push({ from: f.fromBlock, to: f.toBlock });
        return this.logs
          .filter((l) => l.block >= f.fromBlock && l.block <= f.toBlock)
          .map((l, i) => ({
            address: ADDRESS,
            topics: [TOPIC0],
            data: l.pubkey,
            blockNumber: l.block,
            blockHash: ethers.id(`era${this.era}:${l.block}`),
            index: i,
            transactionHash: ethers.id(l.pubkey),
            removed: false,
          }));
      },
    } as unknown as Provider;
  }
}

describe('PubkeyLogIndex (persisted, incremental)', () => {
  let dir: string;
  let chain: Chain;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pubkey-index-'));
    chain = new Chain();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = () =>
    new PubkeyLogIndex({
      provider: chain.provider(),
      maxRange: 50,
      reorgBlocks: 5,
      folder: dir,
      source: {
        name: 'keys',
        contract: 'test contract',
        what: 'Key',
        address: ADDRESS,
        topic0: TOPIC0,
        fromBlock: 1,
        pubkeyOf: (log) => log.data.toLowerCase(),
      },
    });

  it('finds keys in the indexed part and in the unconfirmed tail; a restart scans only new blocks', async () => {
    const old = chain.addKey(10);
    chain.head = 100;
    const index = open();
    const first = await index.lookup([old]);
    assert.equal(first.refreshedBlocks, 95);
    assert.equal(first.found.get(old)?.[0].blockNumber, 10);
    const tail = chain.addKey(98); // 2 blocks deep: never indexed, read per lookup
    const second = await open().lookup([tail, old]);
    assert.equal(second.refreshedBlocks, 0);
    assert.deepEqual([...second.found.keys()].sort(), [old, tail].sort());
  });

  it('concurrent lookups (several batches on one worker) share one refresh and both find their keys', async () => {
    const a = chain.addKey(12);
    const b = chain.addKey(90);
    chain.head = 200;
    const index = open();
    const [ra, rb] = await Promise.all([index.lookup([a]), index.lookup([b])]);
    assert.ok(ra.found.has(a) && rb.found.has(b));
    assert.equal(chain.getLogsCalls.filter((c) => c.from === 1).length, 1, 'the first chunk was scanned twice');
    assert.equal(
      readFileSync(join(dir, `keys-${ADDRESS.toLowerCase()}.entries`), 'utf8')
        .split('\n')
        .filter(Boolean).length,
      2,
    );
  });

  it('a torn last line (a crash mid-append) is cut, and the blocks after the cursor are scanned again: nothing lost', async () => {
    const a = chain.addKey(20);
    chain.head = 60;
    await open().lookup([a]);
    appendFileSync(join(dir, `keys-${ADDRESS.toLowerCase()}.entries`), '0123ab'); // torn
    const b = chain.addKey(70);
    chain.head = 120;
    await open().lookup([]);
    const lines = readFileSync(join(dir, `keys-${ADDRESS.toLowerCase()}.entries`), 'utf8')
      .split('\n')
      .filter(Boolean);
    assert.ok(
      lines.every((l) => /^[0-9a-f]{16}$/.test(l)),
      `malformed lines: ${lines.join(',')}`,
    );
    chain.getLogsCalls.length = 0;
    const found = await open().lookup([a, b]);
    assert.deepEqual([...found.found.keys()].sort(), [a, b].sort());
  });

  it('a chain reset under the same addresses: the stored index is dropped and rebuilt, keys of the old chain are not reported', async () => {
    const gone = chain.addKey(30);
    chain.head = 80;
    assert.ok((await open().lookup([gone])).found.has(gone));
    chain.era = 2; // a new local chain: same addresses, other blocks
    chain.logs = [];
    chain.head = 60;
    const fresh = chain.addKey(40);
    const after = await open().lookup([gone, fresh]);
    assert.equal(after.found.has(gone), false, "the old chain's key answered for the new chain");
    assert.ok(after.found.has(fresh), "the new chain's key below the old cursor was missed");
    assert.equal(after.refreshedBlocks, 55);
  });
});
