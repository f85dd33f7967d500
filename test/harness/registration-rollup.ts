// The set-up the keyshares registration tests share (registration-batch, registration-pipeline,
// owner-nonce-lag): a Nexus system whose operators form cluster 1, one rollup on it, and keys
// deposited from its bridge that wait for their keyshares.
import type { ethers } from 'ethers';
import { signDepositData, VALIDATOR_DEPOSIT_GWEI, withdrawalCredentialsFor } from '../../activities/keys/deposit-data';
import {
  addCluster,
  deployNexusSystem,
  registerOperator,
  registerRollup,
  type NexusSystem,
  type RegisteredRollup,
} from '../../contracts/deploy';
import { send, wallet } from '../contracts/helpers';

export interface RegistrationRollup {
  system: NexusSystem;
  rollup: RegisteredRollup;
  /** The first block of the deployment (where SSV scans start). */
  deployBlock: number;
  owner: ethers.HDNodeWallet;
  bot: ethers.HDNodeWallet;
  admin: ethers.HDNodeWallet;
}

export interface RegistrationRollupOptions {
  name: string;
  funding: bigint;
  /** Operators registered; the first four form cluster 1. */
  operators: readonly { id: number; publicKeyBase64: string }[];
  clusterIds: number[];
  /** 'none': no network or operator fee and no minimum collateral (snapshots independent of the block); else the given operator fee and the default network fee. */
  fees: 'none' | { operatorFeeWei: bigint };
}

/** Deploys with dev accounts 0 (owner), 1 (bot) and 2 (rollup admin). */
export async function deployRegistrationRollup(
  provider: ethers.JsonRpcProvider,
  opts: RegistrationRollupOptions,
): Promise<RegistrationRollup> {
  const [owner, bot, admin] = [0, 1, 2].map((i) => wallet(provider, i));
  const deployBlock = (await provider.getBlockNumber()) + 1;
  const system = await deployNexusSystem(
    owner,
    opts.fees === 'none'
      ? { bot: bot.address, ssv: { networkFeeWei: 0n, minimumLiquidationCollateralWei: 0n } }
      : { bot: bot.address },
  ); // the default (mainnet-like) network fee
  const fee = opts.fees === 'none' ? 0n : opts.fees.operatorFeeWei;
  for (const op of opts.operators)
    await registerOperator(system, {
      publicKey: op.publicKeyBase64,
      fee,
      dkgPort: 3030 + op.id,
      name: `operator-${op.id}`,
    });
  await addCluster(system, 1, opts.clusterIds);
  const rollup = await registerRollup(system, {
    rollupAdmin: admin,
    name: opts.name,
    operatorCluster: 1,
    stakingLimit: 10_000,
    funding: opts.funding,
  });
  return { system, rollup, deployBlock, owner, bot, admin };
}

/**
 * Deposits the keys from the rollup's bridge through Nexus as the bot, at most `perCall` per
 * `depositValidatorRollup`; returns their pubkeys (lower-case), in order. The caller wipes the keys.
 */
export async function depositKeys(
  setup: RegistrationRollup,
  secretKeys: readonly Uint8Array[],
  perCall = secretKeys.length,
): Promise<string[]> {
  const pubkeys: string[] = [];
  const deposits: unknown[] = [];
  for (const secretKey of secretKeys) {
    const d = await signDepositData({
      secretKey,
      withdrawalCredentials: withdrawalCredentialsFor(setup.rollup.bridgeAddress),
      amountGwei: VALIDATOR_DEPOSIT_GWEI,
      genesisForkVersion: '0x00000000',
    });
    pubkeys.push(d.pubkey.toLowerCase());
    deposits.push([d.pubkey, d.withdrawalCredentials, d.signature, d.depositDataRoot]);
  }
  const nexusAsBot = setup.system.contracts.nexus.connect(setup.bot) as ethers.Contract;
  for (let i = 0; i < deposits.length; i += perCall)
    await send(nexusAsBot, 'depositValidatorRollup', setup.admin.address, deposits.slice(i, i + perCall));
  return pubkeys;
}
