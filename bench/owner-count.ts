// What one SSV owner-nonce read and one registration landing check cost on a long chain, without
// and with the owner-count checkpoints (activities/chain/owner-count-checkpoints.ts). anvil with our
// contracts, a few registrations of the Nexus owner, then `blocks` empty blocks (a mainnet year is
// about 2.6 million: 260 eth_getLogs at the worker's default range of 10,000). Prints the
// eth_getLogs calls and the wall time of each read: the first (a full count) and the next ones
// (each after a new registration and a few blocks).
// Run: npx tsx bench/owner-count.ts [blocks=5000] [reads=5] [range=50]
import { performance } from 'node:perf_hooks';
import { ethers } from 'ethers';
import { readSsvOwnerNonce } from '../activities/chain/reads';
import { locateRegistration } from '../activities/chain/registration-position';
import { creationContext } from '../activities/creation-context';
import { startAnvil } from '../localnet/services/anvil';
import { ETH } from '../test/contracts/helpers';
import { generateOperators } from '../test/fixtures/keyshares/material';
import { nexusRegistrations, slipInRegistration } from '../test/harness/nexus-registrations';
import { deployRegistrationRollup } from '../test/harness/registration-rollup';
import { CountingProvider } from '../test/harness/counting-provider';
import { localCreationDeps } from '../test/harness/creation-deps';

const BLOCKS = Number(process.argv[2] ?? 5_000);
const READS = Number(process.argv[3] ?? 5);
if (!Number.isInteger(BLOCKS) || BLOCKS < 1)
  throw new Error(`blocks: expected a positive integer, got ${process.argv[2]}`);
if (!Number.isInteger(READS) || READS < 1)
  throw new Error(`reads: expected a positive integer, got ${process.argv[3]}`);
const CHAIN_ID = 31337;
const IDS4 = [1, 2, 3, 4];
/** Small, so that a few thousand blocks (anvil mines them slowly) stand for a mainnet year at 10,000. */
const MAX_RANGE = Number(process.argv[4] ?? 50);
if (!Number.isInteger(MAX_RANGE) || MAX_RANGE < 1)
  throw new Error(`range: expected a positive integer, got ${process.argv[4]}`);

async function timed(provider: CountingProvider, fn: () => Promise<unknown>) {
  const t0 = performance.now();
  const { getLogs } = await provider.getLogsDuring(fn);
  return { getLogs, ms: performance.now() - t0 };
}

async function main(): Promise<void> {
  const anvil = await startAnvil({ chainId: CHAIN_ID });
  const provider = new CountingProvider(anvil.rpcUrl, CHAIN_ID, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const { system, deployBlock } = await deployRegistrationRollup(provider, {
      name: 'bench-counts',
      funding: 100n * ETH,
      operators: generateOperators(IDS4),
      clusterIds: IDS4,
      fees: 'none',
    });
    const slipIn = () => slipInRegistration(provider, system, IDS4, deployBlock);
    for (let i = 0; i < 3; i++) await slipIn();
    // In steps: anvil mines empty blocks slowly, and one long anvil_mine outlasts a request's timeout.
    for (let left = BLOCKS; left > 0; left -= 1_000)
      await provider.send('anvil_mine', [ethers.toQuantity(Math.min(left, 1_000))]);
    // Only the reads are used: the owner nonce and where a registration landed.
    const deps = localCreationDeps({ provider, addresses: system.addresses, deployBlock, logMaxRange: MAX_RANGE });
    const rows: string[] = [];
    for (const withCheckpoints of [false, true]) {
      // A fresh context per mode: its checkpoints start empty, as in a worker just started.
      const ctx = creationContext(deps);
      for (let read = 1; read <= READS; read++) {
        await slipIn();
        await provider.send('anvil_mine', [ethers.toQuantity(3)]);
        const added = await nexusRegistrations(provider, system, deployBlock);
        const newest = added[added.length - 1];
        const nonce = await timed(provider, () =>
          withCheckpoints
            ? ctx.currentOwnerNonce(undefined, undefined)
            : readSsvOwnerNonce(provider, system.addresses.ssvNetwork, system.addresses.nexus, {
                fromBlock: deployBlock,
                maxRange: MAX_RANGE,
              }),
        );
        const landed = await timed(provider, () =>
          locateRegistration(provider, system.addresses.ssvNetwork, system.addresses.nexus, newest.pubkey, {
            fromBlock: deployBlock,
            maxRange: MAX_RANGE,
            confirmations: 1,
            minBlock: newest.blockNumber,
            checkpoints: withCheckpoints ? ctx.ownerCounts : undefined,
          }),
        );
        rows.push(
          `${withCheckpoints ? 'checkpoints' : 'from the deployment block'}`.padEnd(28) +
            `${read}`.padStart(5) +
            `${nonce.getLogs}`.padStart(12) +
            `${nonce.ms.toFixed(1)}`.padStart(10) +
            `${landed.getLogs}`.padStart(12) +
            `${landed.ms.toFixed(1)}`.padStart(10),
        );
      }
    }
    console.log(
      `SSV owner counts on a chain of ${BLOCKS} blocks after the deployment, eth_getLogs range ${MAX_RANGE} (node ${process.version})`,
    );
    console.log(
      'counted'.padEnd(28) +
        'read'.padStart(5) +
        'nonce:logs'.padStart(12) +
        'ms'.padStart(10) +
        'land:logs'.padStart(12) +
        'ms'.padStart(10),
    );
    for (const r of rows) console.log(r);
  } finally {
    provider.destroy();
    await anvil.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
