// Activities replaced at the activity boundary for workflow tests: an in-memory chain with the
// bridge's exact staking check (planning.ts), Nexus validator statuses, and the SSV owner nonce.
// The registrar hand-off is the real activity (signal-with-start on the test server).
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { BotActivities } from '../../activities/interface';
import { createRegistrarActivities } from '../../activities/registrar-client';
import type { PublicDepositData, RollupSnapshot } from '../../activities/types';
import { bridgeAllowsDeposits, VALIDATOR_DEPOSIT_WEI } from '../../workflows/planning';

export interface StubRollup {
  bridge: string;
  stakingLimitBps: number;
  operatorCluster: number;
  balanceWei: bigint;
  validatorCount: bigint;
}

export class StubChain {
  readonly rollups = new Map<string, StubRollup>();
  readonly statuses = new Map<string, 'DEPOSITED' | 'SHARE_DEPOSITED'>();
  readonly registrations: { pubkey: string; nonce: number; rollupAdmin: string }[] = [];
  readonly depositBatches: string[][] = [];
  readonly allocations = new Map<string, number[]>();
  readonly nextIndex = new Map<string, number>();
  ownerNonce = 0;
  /** Test hooks: throw from an activity before it acts. */
  failSubmitDeposits?: (attempt: number) => Error | undefined;
  /** Test hook: the next mnemonic keyshares registration fails for good (counted). */
  failNextRegistration = false;
  registrationFailures = 0;
  /** Test hook: DKG ceremonies fail (retryably), as with an operator that stays down. */
  dkgOperatorsDown = false;
  submitAttempts = 0;

  addRollup(admin: string, rollup: StubRollup): void {
    this.rollups.set(admin, rollup);
  }

  rollup(admin: string): StubRollup {
    const rollup = this.rollups.get(admin);
    if (!rollup) throw ApplicationFailure.nonRetryable(`rollup ${admin} is not registered`, 'RollupNotRegistered');
    return rollup;
  }
}

const pubkeyFor = (tag: string) => `0x${Buffer.from(tag).toString('hex').padEnd(96, '0').slice(0, 96)}`;

export function stubActivities(chain: StubChain, client: Client, taskQueue: string, registrarWorkflowId: string): BotActivities {
  return {
    async describeWorker() {
      return 'stub-worker';
    },
    async detectRollupChanges() {
      return { nextFromBlock: 1, wake: [], balances: {} };
    },
    async readRollup({ rollupAdmin }): Promise<RollupSnapshot> {
      const r = chain.rollup(rollupAdmin);
      return {
        rollupAdmin, bridge: r.bridge, stakingLimitBps: r.stakingLimitBps, operatorCluster: r.operatorCluster,
        bridgeBalanceWei: r.balanceWei.toString(), validatorCount: r.validatorCount.toString(), blockNumber: 1,
      };
    },
    async allocateKeyIndices({ rollupAdmin, requestId, count }) {
      const earlier = chain.allocations.get(requestId);
      if (earlier) return earlier;
      const start = chain.nextIndex.get(rollupAdmin) ?? 0;
      const indices = Array.from({ length: count }, (_, i) => start + i);
      chain.nextIndex.set(rollupAdmin, start + count);
      chain.allocations.set(requestId, indices);
      return indices;
    },
    async prepareMnemonicValidators({ rollupAdmin, keyIndices }) {
      return keyIndices.map((keyIndex) => ({ keyIndex, deposit: depositFor(`${rollupAdmin}:m${keyIndex}`) }));
    },
    async runDkgCeremony({ rollupAdmin, firstNonce, count, operatorCluster }) {
      if (chain.dkgOperatorsDown) throw new Error('ssv-dkg operator 3 unreachable (simulated)');
      return {
        ceremonyId: `ceremony-${firstNonce}`,
        validators: Array.from({ length: count }, (_, i) => {
          const deposit = depositFor(`${rollupAdmin}:d${firstNonce + i}`);
          return { deposit, keyshares: { publicKey: deposit.pubkey, operatorIds: [1, 2, 3, 4].map((id) => id + operatorCluster * 10), sharesData: '0x', ownerNonce: firstNonce + i } };
        }),
      };
    },
    async submitDeposits({ rollupAdmin, deposits }) {
      chain.submitAttempts++;
      const injected = chain.failSubmitDeposits?.(chain.submitAttempts);
      if (injected) throw injected;
      const pubkeys = deposits.map((d) => d.pubkey);
      if (pubkeys.every((p) => chain.statuses.has(p))) return { txHash: '0xalready', blockNumber: 1 }; // a retry after a crash
      if (pubkeys.some((p) => chain.statuses.has(p))) throw ApplicationFailure.nonRetryable('a key of the batch was deposited before', 'Revert:IncorrectValidatorStatus');
      const r = chain.rollup(rollupAdmin);
      const state = { bridgeBalanceWei: r.balanceWei, validatorCount: r.validatorCount, stakingLimitBps: r.stakingLimitBps };
      if (!bridgeAllowsDeposits(state, BigInt(deposits.length))) {
        throw ApplicationFailure.nonRetryable('the bridge rejects this batch', 'Revert:StakingLimitExceeding');
      }
      r.balanceWei -= BigInt(deposits.length) * VALIDATOR_DEPOSIT_WEI;
      r.validatorCount += BigInt(deposits.length);
      for (const p of pubkeys) chain.statuses.set(p, 'DEPOSITED');
      chain.depositBatches.push(pubkeys);
      return { txHash: `0xdeposit${chain.depositBatches.length}`, blockNumber: 1 };
    },
    ...createRegistrarActivities({ client, taskQueue, registrarWorkflowId }),
    async readSsvOwnerNonce() {
      return chain.ownerNonce;
    },
    async registerMnemonicKeyshares({ rollupAdmin, pubkey }) {
      if (chain.failNextRegistration) {
        chain.failNextRegistration = false;
        chain.registrationFailures++;
        throw ApplicationFailure.nonRetryable('operator 3 key refused by the keyshares builder (simulated)', 'KeysharesBuildError');
      }
      return register(rollupAdmin, pubkey, chain.ownerNonce);
    },
    async registerDkgKeyshares({ rollupAdmin, keyshares }) {
      if (keyshares.ownerNonce !== chain.ownerNonce) {
        throw ApplicationFailure.nonRetryable(`keyshares signed for nonce ${keyshares.ownerNonce}, the owner is at ${chain.ownerNonce}`, 'StaleKeyshares');
      }
      return register(rollupAdmin, keyshares.publicKey, keyshares.ownerNonce);
    },
  };

  function register(rollupAdmin: string, pubkey: string, nonce: number) {
    const status = chain.statuses.get(pubkey);
    if (status === 'SHARE_DEPOSITED') {
      return { pubkey, ownerNonce: chain.registrations.find((r) => r.pubkey === pubkey)?.nonce ?? -1 };
    }
    if (status !== 'DEPOSITED') throw ApplicationFailure.nonRetryable(`${pubkey} is not deposited`, 'Revert:IncorrectValidatorStatus');
    chain.statuses.set(pubkey, 'SHARE_DEPOSITED');
    chain.registrations.push({ pubkey, nonce, rollupAdmin });
    chain.ownerNonce++;
    return { pubkey, ownerNonce: nonce, txHash: `0xshares${nonce}` };
  }
}

function depositFor(tag: string): PublicDepositData {
  return { pubkey: pubkeyFor(tag), withdrawalCredentials: `0x01${'0'.repeat(62)}`, signature: `0x${'0'.repeat(192)}`, depositDataRoot: `0x${'0'.repeat(64)}` };
}
