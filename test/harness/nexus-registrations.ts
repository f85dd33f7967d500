// SSV registrations of the Nexus contract as the registrar's integration tests watch and disturb
// them: one slipped in from outside the bot (Nexus itself registers a key on another cluster, so
// the owner nonce moves while the bot's cluster snapshot holds), and all of them read back.
import { randomBytes } from 'node:crypto';
import { ethers } from 'ethers';
import { ssvNetworkInterface } from '../../activities/chain/abi';
import { clusterTuple, readClusterSnapshot } from '../../activities/chain/reads';
import type { NexusSystem } from '../../contracts/deploy';
import { ETH, send } from '../contracts/helpers';

/**
 * Nexus registers a random key on the cluster `operatorIds` (usually not the bot's): one owner
 * nonce used. On the bot's own cluster it makes the snapshot of a registration in flight stale;
 * with fees, `amountWei` SSV (approved from Nexus's tokens) keeps the cluster above liquidation.
 */
export async function slipInRegistration(
  provider: ethers.JsonRpcProvider,
  system: NexusSystem,
  operatorIds: number[],
  fromBlock: number,
  amountWei = 0n,
): Promise<void> {
  await provider.send('anvil_impersonateAccount', [system.addresses.nexus]);
  await provider.send('anvil_setBalance', [system.addresses.nexus, ethers.toQuantity(10n * ETH)]);
  const signer = new ethers.JsonRpcSigner(provider, system.addresses.nexus);
  const asNexus = system.contracts.ssvNetwork.connect(signer) as ethers.Contract;
  if (amountWei > 0n)
    await send(
      system.contracts.ssvToken.connect(signer) as ethers.Contract,
      'approve',
      system.addresses.ssvNetwork,
      amountWei,
    );
  const { cluster } = await readClusterSnapshot(
    provider,
    system.addresses.ssvNetwork,
    system.addresses.nexus,
    operatorIds,
    { fromBlock, maxRange: 1000 },
  );
  await send(
    asNexus,
    'registerValidator',
    ethers.hexlify(randomBytes(48)),
    operatorIds,
    ethers.hexlify(randomBytes(1312)),
    amountWei,
    clusterTuple(cluster),
  );
  await provider.send('anvil_stopImpersonatingAccount', [system.addresses.nexus]);
}

/** Every ValidatorAdded of the Nexus contract since `fromBlock`, in chain order, decoded. */
export async function nexusRegistrations(provider: ethers.Provider, system: NexusSystem, fromBlock: number) {
  const event = ssvNetworkInterface.getEvent('ValidatorAdded');
  if (!event) throw new Error('no ValidatorAdded in the ABI');
  const logs = await provider.getLogs({
    address: system.addresses.ssvNetwork,
    fromBlock,
    toBlock: 'latest',
    topics: [event.topicHash, ethers.zeroPadValue(system.addresses.nexus, 32)],
  });
  return logs.map((log) => {
    const d = ssvNetworkInterface.decodeEventLog(event, log.data, log.topics);
    return {
      pubkey: (d.publicKey as string).toLowerCase(),
      publicKey: d.publicKey as string,
      sharesData: d.shares as string,
      operatorIds: (d.operatorIds as bigint[]).map(Number),
      blockNumber: log.blockNumber,
    };
  });
}
