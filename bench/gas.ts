// Gas per validator of the faithful local contracts on a fresh anvil: depositValidatorRollup in
// batches of 1, 10 and 50 validators, and depositValidatorShares (one SSV registration per
// validator) for the 1st, 10th and 50th validator of a cluster with the default (mainnet-like)
// SSV fees, each funded with 2 SSV. Prints a table; asserts nothing about timing.
// Run: npx tsx bench/gas.ts
import { randomBytes } from 'node:crypto';
import { ethers } from 'ethers';
import { ANVIL_DEV_MNEMONIC, startAnvil } from '../localnet/services/anvil';
import {
  addCluster,
  deployNexusSystem,
  registerOperator,
  registerRollup,
  NEXUS_VERSIONS,
  type NexusVersion,
} from '../contracts/deploy';
import { makeValidators, NEW_CLUSTER, clusterOf, fakeOperatorKey, type Cluster } from '../test/contracts/helpers';

const BATCHES = [1, 10, 50];
const SHARE_POINTS = [1, 10, 50];
const SHARE_AMOUNT = ethers.parseEther('2');

function wallet(provider: ethers.JsonRpcProvider, i: number): ethers.HDNodeWallet {
  return ethers.HDNodeWallet.fromPhrase(ANVIL_DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
}

async function measure(rpcUrl: string, version: NexusVersion): Promise<string[]> {
  const provider = new ethers.JsonRpcProvider(rpcUrl, undefined, {
    staticNetwork: true,
    pollingInterval: 50,
    cacheTimeout: -1,
  });
  const [owner, bot, admin] = [0, 1, 2].map((i) => wallet(provider, i));
  const system = await deployNexusSystem(owner, { bot: bot.address, nexusVersion: version });
  const ids: bigint[] = [];
  for (let i = 0; i < 4; i++)
    ids.push(await registerOperator(system, { publicKey: fakeOperatorKey(i), dkgPort: 3030 + i, name: `op${i}` }));
  await addCluster(system, 1n, ids);
  // Enough ETH for 61 validators at a 100 % limit.
  await provider.send('anvil_setBalance', [admin.address, ethers.toQuantity(ethers.parseEther('10000'))]);
  const rollup = await registerRollup(system, {
    rollupAdmin: admin,
    name: 'bench',
    operatorCluster: 1n,
    stakingLimit: 10_000,
    funding: ethers.parseEther('2100'),
  });
  const nexus = system.contracts.nexus.connect(bot) as ethers.Contract;
  const rows: string[] = [];
  const keys: string[] = [];
  for (const n of BATCHES) {
    const validators = await makeValidators(rollup.bridgeAddress, n);
    const receipt = await (await nexus.depositValidatorRollup(admin.address, validators)).wait();
    rows.push(
      `${version}  depositValidatorRollup  batch of ${String(n).padStart(2)}  ${String(receipt!.gasUsed / BigInt(n)).padStart(9)} gas/validator  (${receipt!.gasUsed} total)`,
    );
    keys.push(...validators.map((v) => v.pubKey));
  }
  let cluster: Cluster = NEW_CLUSTER;
  for (let i = 1; i <= Math.max(...SHARE_POINTS); i++) {
    const share = {
      pubKey: keys[i - 1],
      operatorIds: ids,
      sharesEncrypted: ethers.hexlify(randomBytes(1312)),
      amount: SHARE_AMOUNT,
      cluster,
    };
    const receipt = (await (await nexus.depositValidatorShares(admin.address, share)).wait())!;
    for (const log of receipt.logs) {
      const parsed = system.contracts.ssvNetwork.interface.parseLog(log);
      if (parsed?.name === 'ValidatorAdded') cluster = clusterOf(parsed.args.cluster);
    }
    if (SHARE_POINTS.includes(i)) {
      rows.push(
        `${version}  depositValidatorShares  validator #${String(i).padStart(2)}    ${String(receipt.gasUsed).padStart(9)} gas/validator`,
      );
    }
  }
  provider.destroy();
  return rows;
}

async function main(): Promise<void> {
  const anvil = await startAnvil();
  try {
    console.log('version   call                    case              gas');
    for (const version of NEXUS_VERSIONS) for (const row of await measure(anvil.rpcUrl, version)) console.log(row);
  } finally {
    await anvil.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
