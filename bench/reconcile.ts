// How long a monitor's reconciliation read takes (activities/reconcile.ts: ValidatorSubmitted logs
// in 1,000-block chunks, then Nexus.validators per key) for a rollup with 100, 500 and 1,000
// submitted keys on a fresh anvil, the deposits spread over 20,000 blocks (21 chunks). No beacon node (the
// exit-submitted keys, none here, would add one beacon request per 64 keys). Prints figures; asserts nothing.
// Run: npx tsx bench/reconcile.ts
import { performance } from 'node:perf_hooks';
import { ethers } from 'ethers';
import { ANVIL_DEV_MNEMONIC, startAnvil } from '../localnet/services/anvil';
import { addCluster, deployNexusSystem, registerOperator, registerRollup } from '../contracts/deploy';
import { createReconcileActivities } from '../activities/reconcile';
import { fakeOperatorKey, makeValidators } from '../test/contracts/helpers';

const STEPS = [100, 500, 1_000];
const BATCH = 50;
const BLOCKS_BETWEEN_BATCHES = 1_000;
const RUNS = 5;

const wallet = (provider: ethers.JsonRpcProvider, i: number) =>
  ethers.HDNodeWallet.fromPhrase(ANVIL_DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);

async function main(): Promise<void> {
  const anvil = await startAnvil();
  const provider = new ethers.JsonRpcProvider(anvil.rpcUrl, undefined, {
    staticNetwork: true,
    pollingInterval: 50,
    cacheTimeout: -1,
  });
  try {
    const [owner, bot, admin] = [0, 1, 2].map((i) => wallet(provider, i));
    const system = await deployNexusSystem(owner, { bot: bot.address });
    const ids: bigint[] = [];
    for (let i = 0; i < 4; i++)
      ids.push(await registerOperator(system, { publicKey: fakeOperatorKey(i), dkgPort: 3030 + i, name: `op${i}` }));
    await addCluster(system, 1n, ids);
    const funding = ethers.parseEther(String(32 * Math.max(...STEPS) + 100));
    await provider.send('anvil_setBalance', [admin.address, ethers.toQuantity(funding * 2n)]);
    const rollup = await registerRollup(system, {
      rollupAdmin: admin,
      name: 'bench',
      operatorCluster: 1n,
      stakingLimit: 10_000,
      funding,
    });
    const nexus = system.contracts.nexus.connect(bot) as ethers.Contract;
    const { reconcileRollup } = createReconcileActivities({
      provider,
      contracts: { nexus: await system.contracts.nexus.getAddress() },
      ssvFromBlock: 0,
      logMaxRange: 1_000,
    });

    console.log('submitted keys  blocks scanned  reconcile (median of 5)  min      max');
    let submitted = 0;
    for (const step of STEPS) {
      while (submitted < step) {
        await (
          await nexus.depositValidatorRollup(admin.address, await makeValidators(rollup.bridgeAddress, BATCH))
        ).wait();
        submitted += BATCH;
        await provider.send('anvil_mine', [ethers.toQuantity(BLOCKS_BETWEEN_BATCHES)]);
      }
      const times: number[] = [];
      let view;
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        view = await reconcileRollup({ rollupAdmin: admin.address });
        times.push(performance.now() - t0);
      }
      if (view?.submitted !== step) throw new Error(`reconciliation saw ${view?.submitted} keys, expected ${step}`);
      times.sort((a, b) => a - b);
      const ms = (t: number) => `${t.toFixed(0)} ms`.padEnd(9);
      console.log(
        `${String(step).padEnd(16)}${String(view.blockNumber).padEnd(16)}${ms(times[Math.floor(RUNS / 2)]).padEnd(25)}${ms(times[0])}${ms(times[RUNS - 1])}`,
      );
    }
  } finally {
    provider.destroy();
    await anvil.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
