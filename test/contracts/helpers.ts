// Shared fixture of the contract tests: one anvil per test file with the local Nexus system deployed
// (4 SSV operators in NodeOperator cluster 1, one registered and funded rollup), reverted to that
// state after every test with evm_snapshot / evm_revert; plus a custom-error revert assertion.
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { ANVIL_DEV_MNEMONIC, startAnvil } from '../../localnet/services/anvil';
import { useService } from '../harness/service';
import { allContractsInterface } from '../../contracts/artifacts';
import {
  addCluster,
  deployNexusSystem,
  registerOperator,
  registerRollup,
  type BridgeKind,
  type NexusSystem,
  type NexusVersion,
  type RegisteredRollup,
  type SsvParameters,
} from '../../contracts/deploy';
import { executionWithdrawalCredentials, makeDepositData, type DepositData } from './deposit-data';

export const ETH = 10n ** 18n;
export const VALIDATOR_DEPOSIT = 32n * ETH;
export const BASIS_POINT = 10_000n;
export const CLUSTER_ID = 1n;
export const INITIAL_STAKING_LIMIT = 5000;
export const INITIAL_BRIDGE_FUNDING = 100n * ETH;

/** SSVNetwork's Cluster tuple, as events return it and calls take it. */
export interface Cluster {
  validatorCount: bigint;
  networkFeeIndex: bigint;
  index: bigint;
  active: boolean;
  balance: bigint;
}

export const NEW_CLUSTER: Cluster = { validatorCount: 0n, networkFeeIndex: 0n, index: 0n, active: true, balance: 0n };

export function wallet(provider: ethers.JsonRpcProvider, index: number): ethers.HDNodeWallet {
  return ethers.HDNodeWallet.fromPhrase(ANVIL_DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).connect(provider);
}

export interface ContractFixture {
  provider: ethers.JsonRpcProvider;
  owner: ethers.HDNodeWallet;
  bot: ethers.HDNodeWallet;
  rollupAdmin: ethers.HDNodeWallet;
  stranger: ethers.HDNodeWallet;
  system: NexusSystem;
  rollup: RegisteredRollup;
  operatorIds: bigint[];
  /** Nexus connected to the bot. */
  nexusAsBot: ethers.Contract;
}

/**
 * Starts anvil for the enclosing describe, deploys the system once, and reverts the chain to the
 * deployed state after every test. The returned accessor throws before the fixture is ready.
 */
export interface FixtureOptions {
  nexusVersion?: NexusVersion;
  bridgeKind?: BridgeKind;
  ssv?: SsvParameters;
  /** SSV wei per validator per block for each of the 4 operators; default deploy.ts' default. */
  operatorFee?: bigint;
}

/** No fees at all: cluster snapshots stay exact (balance = sum of amounts) whatever the block. */
export const NO_FEES: FixtureOptions = { ssv: { networkFeeWei: 0n }, operatorFee: 0n };

export function useContractFixture(opts: FixtureOptions = {}): () => ContractFixture {
  const anvil = useService('anvil', () => startAnvil());
  let fixture: ContractFixture | undefined;
  let snapshotId: string | undefined;

  before(async function () {
    this.timeout(120_000);
    // cacheTimeout -1: ethers would otherwise answer identical requests (nonce, balance, estimateGas)
    // from a 250 ms cache, which is wrong on an automining chain that changes every transaction.
    const provider = new ethers.JsonRpcProvider(anvil().rpcUrl, undefined, {
      staticNetwork: true,
      pollingInterval: 50,
      cacheTimeout: -1,
    });
    const [owner, bot, rollupAdmin, stranger] = [0, 1, 2, 3].map((i) => wallet(provider, i));
    const system = await deployNexusSystem(owner, { bot: bot.address, nexusVersion: opts.nexusVersion, ssv: opts.ssv });
    const operatorIds: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      operatorIds.push(
        await registerOperator(system, {
          publicKey: fakeOperatorKey(i),
          fee: opts.operatorFee,
          dkgPort: 3030 + i,
          name: `operator-${i + 1}`,
        }),
      );
    }
    await addCluster(system, CLUSTER_ID, operatorIds);
    const rollup = await registerRollup(system, {
      rollupAdmin,
      name: 'demo-rollup',
      operatorCluster: CLUSTER_ID,
      stakingLimit: INITIAL_STAKING_LIMIT,
      funding: INITIAL_BRIDGE_FUNDING,
      bridgeKind: opts.bridgeKind,
    });
    const nexusAsBot = system.contracts.nexus.connect(bot) as ethers.Contract;
    fixture = { provider, owner, bot, rollupAdmin, stranger, system, rollup, operatorIds, nexusAsBot };
  });

  after(() => {
    fixture?.provider.destroy();
  });

  beforeEach(async () => {
    snapshotId = (await get().provider.send('evm_snapshot', [])) as string;
  });

  afterEach(async () => {
    if (snapshotId !== undefined) {
      const ok = (await get().provider.send('evm_revert', [snapshotId])) as boolean;
      assert.ok(ok, 'evm_revert failed');
      snapshotId = undefined;
    }
  });

  function get(): ContractFixture {
    if (!fixture) throw new Error('contract fixture is not ready (its before hook failed or has not run)');
    return fixture;
  }
  return get;
}

/** Base64 of a PEM-looking string: NodeOperator and SSVNetwork store operator keys without checking them. */
export function fakeOperatorKey(i: number): string {
  return Buffer.from(
    `-----BEGIN RSA PUBLIC KEY-----\nlocal-test-operator-${i}\n-----END RSA PUBLIC KEY-----\n`,
  ).toString('base64');
}

/** Nexus' Validator struct for a deposit. */
export interface NexusValidator {
  pubKey: string;
  withdrawalAddress: string;
  signature: string;
  depositRoot: string;
}

export function toNexusValidator(d: DepositData): NexusValidator {
  return {
    pubKey: ethers.hexlify(d.pubkey),
    withdrawalAddress: ethers.hexlify(d.withdrawalCredentials),
    signature: ethers.hexlify(d.signature),
    depositRoot: ethers.hexlify(d.depositDataRoot),
  };
}

/** `n` validators with fresh keys and valid deposit data that withdraw to `bridgeAddress`. */
export async function makeValidators(bridgeAddress: string, n: number): Promise<NexusValidator[]> {
  const out: NexusValidator[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      toNexusValidator(await makeDepositData({ withdrawalCredentials: executionWithdrawalCredentials(bridgeAddress) })),
    );
  }
  return out;
}

/** Sends a contract call and waits for a successful receipt. */
export async function send(
  contract: ethers.Contract,
  method: string,
  ...args: unknown[]
): Promise<ethers.TransactionReceipt> {
  const tx = (await contract.getFunction(method).send(...args)) as ethers.ContractTransactionResponse;
  const receipt = await tx.wait();
  assert.ok(receipt && receipt.status === 1, `${method} did not succeed`);
  return receipt;
}

/** Events of `contract` in a receipt, parsed with its interface (other contracts' logs skipped). */
export function eventsOf(
  receipt: ethers.TransactionReceipt,
  contract: ethers.Contract,
  name: string,
): ethers.LogDescription[] {
  const address = (contract.target as string).toLowerCase();
  const out: ethers.LogDescription[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) out.push(parsed);
  }
  return out;
}

/** The cluster tuple of an event as a plain object. */
export function clusterOf(value: unknown): Cluster {
  const c = value as {
    validatorCount: bigint;
    networkFeeIndex: bigint;
    index: bigint;
    active: boolean;
    balance: bigint;
  };
  return {
    validatorCount: c.validatorCount,
    networkFeeIndex: c.networkFeeIndex,
    index: c.index,
    active: c.active,
    balance: c.balance,
  };
}

/** Revert data of an ethers v6 error (estimateGas / call / receipt failures). */
function revertData(err: unknown): string | undefined {
  const e = err as { data?: unknown; info?: { error?: { data?: unknown } }; error?: { data?: unknown } };
  for (const candidate of [e.data, e.info?.error?.data, e.error?.data]) {
    if (typeof candidate === 'string' && candidate.startsWith('0x')) return candidate;
    if (candidate && typeof candidate === 'object' && typeof (candidate as { data?: unknown }).data === 'string') {
      return (candidate as { data: string }).data;
    }
  }
  return undefined;
}

/** expectRevert's marker for a revert with no data (e.g. a call to an address without code). */
export const EMPTY_REVERT = Symbol('empty revert');

/**
 * Asserts that `action` reverts with the custom error `errorName` (of any local contract, so errors
 * that bubble up from SSVNetwork or the bridge through Nexus are recognised), or with
 * `Error(string)` whose message equals `errorName` when it is given as { reason }.
 * Returns the decoded error arguments.
 */
export async function expectRevert(
  action: Promise<unknown> | (() => Promise<unknown>),
  expected: string | { reason: string } | { panic: bigint } | typeof EMPTY_REVERT,
): Promise<ethers.Result> {
  let error: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    error = err;
  }
  if (error === undefined) assert.fail(`expected a revert with ${JSON.stringify(expected)}, but the call succeeded`);
  const data = revertData(error);
  if (data === undefined) throw error;
  if (expected === EMPTY_REVERT) {
    assert.equal(data, '0x', `expected a revert with empty data, got ${data}`);
    return ethers.Result.fromItems([]);
  }
  if (typeof expected === 'object' && 'panic' in expected) {
    const decoded = ethers.Interface.from(['error Panic(uint256)']).decodeErrorResult('Panic', data);
    assert.equal(decoded[0], expected.panic);
    return decoded;
  }
  if (typeof expected !== 'string') {
    if (!('reason' in expected)) throw new Error('unreachable');
    const reason = ethers.Interface.from(['error Error(string)']);
    let message: string | undefined;
    try {
      message = reason.decodeErrorResult('Error', data)[0] as string;
    } catch {
      assert.fail(`expected revert reason "${expected.reason}", got revert data ${data}`);
    }
    assert.equal(message, expected.reason);
    return ethers.Result.fromItems([message]);
  }
  const parsed = (await allContractsInterface()).parseError(data);
  assert.ok(parsed, `expected custom error ${expected}, got undecodable revert data ${data}`);
  assert.equal(
    parsed.name,
    expected,
    `expected custom error ${expected}, got ${parsed.name}(${parsed.args.join(', ')})`,
  );
  return parsed.args;
}
