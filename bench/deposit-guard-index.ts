// What the pre-deposit guard's persisted log index costs at mainnet scale, without mainnet: an
// index of N pubkeys (default 2,500,000, the order of the deposit contract's DepositEvent count)
// written in its on-disk form, then loaded by PubkeyLogIndex as a restarted worker would, and one
// lookup of 100 keys. Prints file size, load time, memory growth, and the lookup time. The chain is a
// stand-in provider with no logs (the lookup's RPC cost is counted in the README, not here).
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provider } from 'ethers';
import { PubkeyLogIndex } from '../activities/chain/pubkey-log-index';
import { packPair } from '../activities/chain/prefix-block-set';

const N = Number(process.argv[2] ?? 2_500_000);
const ADDRESS = '0x00000000219ab540356cbb839cbe05303d7705fa';
const TOPIC0 = '0x649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5';
const HEAD = 21_000_000;
const HASH = `0x${'11'.repeat(32)}`;

async function main(): Promise<void> {
  console.log(`node ${process.version}; ${N} indexed pubkeys`);
  const dir = mkdtempSync(join(tmpdir(), 'guard-bench-'));
  try {
    const stem = join(dir, `deposit-contract-${ADDRESS}`);
    const lines: string[] = [];
    for (let i = 0; i < N; i++)
      lines.push(
        `${packPair(`0x${randomBytes(48).toString('hex')}`, 11_052_984 + Math.floor(i / 4))
          .toString(16)
          .padStart(16, '0')}\n`,
      );
    writeFileSync(`${stem}.entries`, lines.join(''));
    lines.length = 0;
    writeFileSync(
      `${stem}.cursor.json`,
      JSON.stringify({
        version: 1,
        address: ADDRESS,
        topic0: TOPIC0,
        fromBlock: 11_052_984,
        scannedTo: HEAD - 64,
        anchor: { block: HEAD - 64, hash: HASH },
      }),
    );
    console.log(`entries file: ${(statSync(`${stem}.entries`).size / 2 ** 20).toFixed(1)} MiB`);

    const provider = {
      getBlockNumber: async () => HEAD,
      getBlock: async (n: number) => ({ number: n, hash: HASH }),
      getLogs: async () => [],
    } as unknown as Provider;
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const index = new PubkeyLogIndex({
      provider,
      maxRange: 10_000,
      reorgBlocks: 64,
      folder: dir,
      source: {
        name: 'deposit-contract',
        contract: 'deposit contract',
        what: 'DepositEvent',
        address: ADDRESS,
        topic0: TOPIC0,
        fromBlock: 11_052_984,
        pubkeyOf: () => '0x',
      },
    });
    const wanted = Array.from({ length: 100 }, () => `0x${randomBytes(48).toString('hex')}`);
    let t = performance.now();
    await index.lookup(wanted);
    const firstMs = performance.now() - t;
    global.gc?.();
    const heapMiB = (process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heapBefore) / 2 ** 20;
    t = performance.now();
    await index.lookup(wanted);
    console.log(
      `load + first lookup of 100 keys: ${firstMs.toFixed(0)} ms; heap + array buffers growth ${heapMiB.toFixed(0)} MiB (${index.size.entries} entries)`,
    );
    console.log(`later lookup of 100 keys (index in memory): ${(performance.now() - t).toFixed(1)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
