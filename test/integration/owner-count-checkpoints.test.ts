// The SSV owner's ValidatorAdded counted once (activities/chain/owner-count-checkpoints.ts), on
// anvil with our contracts and a scan range of 5 blocks (so a count from the deployment block takes
// many eth_getLogs, as a year of mainnet blocks does at 10,000): the owner nonce read again after a
// few blocks scans only those, and equals a count from the deployment block; a registration is
// located from the checkpoint below its block, and an older one from the start; a reorg that
// reaches the checkpoint makes the next read count from the start again, and it is right.
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { readSsvOwnerNonce } from '../../activities/chain/reads';
import { locateRegistration } from '../../activities/chain/registration-position';
import { creationContext } from '../../activities/creation-context';
import type { NexusSystem } from '../../contracts/deploy';
import { startAnvil } from '../../localnet/services/anvil';
import { generateOperators } from '../fixtures/keyshares/material';
import { nexusRegistrations, slipInRegistration } from '../harness/nexus-registrations';
import { deployRegistrationRollup } from '../harness/registration-rollup';
import { useService } from '../harness/service';
import { CountingProvider } from '../harness/counting-provider';
import { ETH } from '../contracts/helpers';
import { localCreationDeps } from '../harness/creation-deps';

const CHAIN_ID = 31337;
const IDS4 = [1, 2, 3, 4];
const MAX_RANGE = 5;

describe('SSV owner counts from checkpoints (anvil)', function () {
  this.timeout(180_000);
  const anvil = useService('anvil', () => startAnvil({ chainId: CHAIN_ID }));
  let provider: CountingProvider;
  let system: NexusSystem;
  let deployBlock: number;
  let ctx: ReturnType<typeof creationContext>;

  const mine = (blocks: number) => provider.send('anvil_mine', [ethers.toQuantity(blocks)]);
  const slipIn = () => slipInRegistration(provider, system, IDS4, deployBlock);
  const fromTheStart = async () =>
    (
      await readSsvOwnerNonce(provider, system.addresses.ssvNetwork, system.addresses.nexus, {
        fromBlock: deployBlock,
        maxRange: 1000,
      })
    ).nonce;
  const locate = (pubkey: string, minBlock?: number) =>
    locateRegistration(provider, system.addresses.ssvNetwork, system.addresses.nexus, pubkey, {
      fromBlock: deployBlock,
      maxRange: MAX_RANGE,
      confirmations: 1,
      minBlock,
      checkpoints: ctx.ownerCounts,
    });

  before(async () => {
    provider = new CountingProvider(anvil().rpcUrl, CHAIN_ID, { staticNetwork: true, cacheTimeout: -1 });
    const setup = await deployRegistrationRollup(provider, {
      name: 'rollup-counts',
      funding: 100n * ETH,
      operators: generateOperators(IDS4),
      clusterIds: IDS4,
      fees: 'none',
    });
    ({ system, deployBlock } = setup);
    // Only the reads are used: the owner nonce and where a registration landed.
    const deps = localCreationDeps({ provider, addresses: system.addresses, deployBlock, logMaxRange: MAX_RANGE });
    ctx = creationContext(deps);
    for (let i = 0; i < 3; i++) await slipIn();
    await mine(200);
  });

  after(() => provider?.destroy());

  it('a second owner-nonce read scans only the blocks since the first, and counts what a full scan counts', async () => {
    const first = await provider.getLogsDuring(() => ctx.currentOwnerNonce(undefined, undefined));
    assert.equal(first.value, await fromTheStart());
    assert.ok(first.getLogs >= 40, `the first read took ${first.getLogs} eth_getLogs: not from the deployment block`);
    await slipIn();
    await mine(7);
    const second = await provider.getLogsDuring(() => ctx.currentOwnerNonce(undefined, undefined));
    assert.equal(second.value, first.value + 1);
    assert.equal(second.value, await fromTheStart());
    assert.ok(
      second.getLogs <= 2,
      `the second read took ${second.getLogs} eth_getLogs: it did not start at the checkpoint`,
    );
  });

  it('a new registration is located from the checkpoint below its block, an older one from the start', async () => {
    await ctx.currentOwnerNonce(undefined, undefined); // a checkpoint at the head
    await slipIn();
    const added = await nexusRegistrations(provider, system, deployBlock);
    const newest = added[added.length - 1];
    const fresh = await provider.getLogsDuring(() => locate(newest.pubkey, newest.blockNumber));
    assert.equal(fresh.value.ownerNonce, added.length - 1);
    assert.ok(fresh.getLogs <= 2, `locating the newest took ${fresh.getLogs} eth_getLogs`);
    const oldest = await locate(added[0].pubkey, added[0].blockNumber);
    assert.equal(oldest.ownerNonce, 0, 'an old registration was not found at its position');
  });

  it('a reorg that reaches the checkpoint: the next read counts from the start, and is right', async () => {
    const snapshot = (await provider.send('evm_snapshot', [])) as string;
    await slipIn();
    await slipIn();
    await mine(3);
    const onTheFork = await ctx.currentOwnerNonce(undefined, undefined); // a checkpoint on the blocks about to go
    assert.equal(onTheFork, await fromTheStart());
    await provider.send('evm_revert', [snapshot]);
    await mine(2); // other blocks at the same heights, without the two registrations
    await slipIn();
    await mine(2);
    const after = await ctx.currentOwnerNonce(undefined, undefined);
    assert.equal(after, await fromTheStart(), 'counted from a checkpoint the reorg removed');
    assert.equal(after, onTheFork - 1);
  });
});
