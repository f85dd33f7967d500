// The pre-deposit guard activity (issue 13 item 8, DESIGN.md invariant 9): just before a batch is
// deposited, every key must be unknown to the beacon node, absent from the deposit contract's
// DepositEvent logs and from SSVNetwork's ValidatorAdded logs of every owner, and its deposit data
// must verify for the configured network. This activity gathers those facts, decides with
// checks.ts, reports every held key (ERROR log line, metric) and returns the verdict; what a held
// key does to the batch is the workflow's decision (workflows/creation/).
import { Context, heartbeat } from '@temporalio/activity';
import { ethers } from 'ethers';
import type { BeaconValidator } from '../beacon/validators';
import { ssvNetworkInterface } from '../chain/abi';
import { PubkeyLogIndex } from '../chain/pubkey-log-index';
import { loadLodestarTypes } from '../esm/loaders';
import { VALIDATOR_DEPOSIT_GWEI, verifyDepositData, withdrawalCredentialsFor } from '../keys/deposit-data';
import { DepositDataInvalidError } from '../keys/errors';
import type { DomainMetricsSink } from '../metrics-sink';
import type { PublicDepositData } from '../types';
import {
  beaconFinding,
  depositContractFinding,
  depositSignatureFinding,
  describeHeld,
  guardVerdict,
  ssvNetworkFinding,
  type DepositLogEntry,
  type SsvRegistration,
} from './checks';
import type { DepositGuardResult, GuardCheck } from './types';

/** The real deposit contract's event (ethereum/consensus-specs deposit_contract.sol). */
export const depositContractInterface = new ethers.Interface([
  'event DepositEvent(bytes pubkey, bytes withdrawal_credentials, bytes amount, bytes signature, bytes index)',
]);
const DEPOSIT_EVENT = depositContractInterface.getEvent('DepositEvent') as ethers.EventFragment;
const VALIDATOR_ADDED = ssvNetworkInterface.getEvent('ValidatorAdded') as ethers.EventFragment;

export interface DepositGuardDependencies {
  provider: ethers.Provider;
  contracts: { nexus: string };
  depositNetwork: string;
  genesisForkVersion: Uint8Array;
  /** Absent without a configured beacon node: that check is reported skipped (the log checks still run). */
  beacon?: { getValidators(pubkeys: readonly string[]): Promise<Map<string, BeaconValidator>> };
  depositIndex: PubkeyLogIndex;
  ssvIndex: PubkeyLogIndex;
  acceptOwnGenesisValidators: boolean;
  metrics?: DomainMetricsSink;
}

export interface DepositGuardIndexOptions {
  provider: ethers.Provider;
  contracts: { depositContract: string; ssvNetwork: string };
  depositContractFromBlock: number;
  ssvFromBlock: number;
  maxRange: number;
  reorgBlocks: number;
  /** Where the indexes persist; absent: memory only. */
  folder?: string;
}

const hexOf = (value: unknown) => (value as string).toLowerCase();

/** The two log indexes of one worker (shared by every guard call of the process). */
export function createDepositGuardIndexes(o: DepositGuardIndexOptions): {
  depositIndex: PubkeyLogIndex;
  ssvIndex: PubkeyLogIndex;
} {
  const common = { provider: o.provider, maxRange: o.maxRange, reorgBlocks: o.reorgBlocks, folder: o.folder };
  return {
    depositIndex: new PubkeyLogIndex({
      ...common,
      source: {
        name: 'deposit-contract',
        contract: 'deposit contract',
        what: 'DepositEvent',
        address: o.contracts.depositContract,
        topic0: DEPOSIT_EVENT.topicHash,
        fromBlock: o.depositContractFromBlock,
        pubkeyOf: (log) => hexOf(depositContractInterface.decodeEventLog(DEPOSIT_EVENT, log.data, log.topics)[0]),
      },
    }),
    ssvIndex: new PubkeyLogIndex({
      ...common,
      source: {
        name: 'ssv-validator-added',
        contract: 'SSVNetwork',
        what: 'ValidatorAdded',
        address: o.contracts.ssvNetwork,
        topic0: VALIDATOR_ADDED.topicHash,
        fromBlock: o.ssvFromBlock,
        pubkeyOf: (log) => hexOf(ssvNetworkInterface.decodeEventLog(VALIDATOR_ADDED, log.data, log.topics)[2]),
      },
    }),
  };
}

/** DepositEvent's amount is 8 bytes little-endian gwei. */
function littleEndianGwei(hex: string): bigint {
  return BigInt(`0x${Buffer.from(hex.slice(2), 'hex').reverse().toString('hex') || '0'}`);
}

export function createDepositGuardActivities(deps: DepositGuardDependencies) {
  let skippedBeaconWarned = false;
  return {
    async guardDeposits({
      rollupAdmin,
      bridge,
      deposits,
    }: {
      rollupAdmin: string;
      bridge: string;
      deposits: PublicDepositData[];
    }): Promise<DepositGuardResult> {
      const withdrawalCredentials = withdrawalCredentialsFor(bridge);
      const pubkeys = deposits.map((d) => d.pubkey.toLowerCase());
      const failures = new Map<string, { check: GuardCheck; reason: string }[]>();
      const fail = (pubkey: string, check: GuardCheck, reason: string | undefined) => {
        if (reason) failures.set(pubkey, [...(failures.get(pubkey) ?? []), { check, reason }]);
      };
      const skipped: DepositGuardResult['skipped'] = [];

      // 1. The beacon node.
      if (deps.beacon) {
        const known = await deps.beacon.getValidators(pubkeys);
        for (const p of pubkeys)
          fail(
            p,
            'beacon',
            beaconFinding(known.get(p), {
              withdrawalCredentials,
              acceptOwnGenesisValidators: deps.acceptOwnGenesisValidators,
            }),
          );
      } else {
        skipped.push({
          check: 'beacon',
          reason:
            'no beacon node configured (beacon.urls): only the deposit contract logs show whether the key was deposited',
        });
        if (!skippedBeaconWarned)
          Context.current().log.warn(
            'pre-deposit guard: no beacon node configured, the beacon check is skipped (the DepositEvent check still runs)',
          );
        skippedBeaconWarned = true;
      }
      heartbeat('beacon');

      // 2. The deposit contract's DepositEvent logs (incremental index + unconfirmed tail).
      const deposited = await deps.depositIndex.lookup(pubkeys, (p) => heartbeat({ index: 'deposit-contract', ...p }));
      for (const p of pubkeys) {
        const entries: DepositLogEntry[] = (deposited.found.get(p) ?? []).map((log) => {
          const args = depositContractInterface.decodeEventLog(DEPOSIT_EVENT, log.data, log.topics);
          return {
            withdrawalCredentials: hexOf(args[1]),
            amountGwei: littleEndianGwei(args[2] as string),
            blockNumber: log.blockNumber,
            txHash: log.transactionHash,
          };
        });
        fail(p, 'deposit-contract', depositContractFinding(entries, withdrawalCredentials));
      }

      // 3. SSVNetwork's ValidatorAdded logs of every owner.
      const registered = await deps.ssvIndex.lookup(pubkeys, (p) => heartbeat({ index: 'ssv-validator-added', ...p }));
      for (const p of pubkeys) {
        const entries: SsvRegistration[] = (registered.found.get(p) ?? []).map((log) => ({
          owner: ethers.getAddress(ethers.dataSlice(log.topics[1], 12)),
          blockNumber: log.blockNumber,
          txHash: log.transactionHash,
        }));
        fail(p, 'ssv-network', ssvNetworkFinding(entries, deps.contracts.nexus));
      }

      // 4. The deposit data: roots and BLS signature for the configured network, credentials, 32 ETH.
      const { ssz } = await loadLodestarTypes();
      for (const d of deposits) {
        const p = d.pubkey.toLowerCase();
        try {
          // Nexus takes no message root: compute it, so that verifyDepositData checks the rest.
          const message = {
            pubkey: Buffer.from(d.pubkey.slice(2), 'hex'),
            withdrawalCredentials: Buffer.from(d.withdrawalCredentials.slice(2), 'hex'),
            amount: Number(VALIDATOR_DEPOSIT_GWEI),
          };
          const depositMessageRoot = `0x${Buffer.from(ssz.phase0.DepositMessage.hashTreeRoot(message)).toString('hex')}`;
          await verifyDepositData(
            { ...d, amountGwei: String(VALIDATOR_DEPOSIT_GWEI), depositMessageRoot },
            {
              genesisForkVersion: deps.genesisForkVersion,
              expectedWithdrawalCredentials: withdrawalCredentials,
              expectedAmountGwei: VALIDATOR_DEPOSIT_GWEI,
            },
          );
        } catch (err) {
          if (!(err instanceof DepositDataInvalidError)) {
            fail(
              p,
              'deposit-signature',
              depositSignatureFinding([{ code: 'malformed', message: (err as Error).message }], deps.depositNetwork),
            );
          } else {
            fail(p, 'deposit-signature', depositSignatureFinding(err.problems, deps.depositNetwork));
          }
        }
      }

      const verdict = guardVerdict(
        deposits.map((d) => d.pubkey),
        failures,
      );
      const blockNumber = Math.min(deposited.headBlock, registered.headBlock);
      for (const h of verdict.held)
        for (const f of h.failures) deps.metrics?.depositGuardHeld?.(rollupAdmin, f.check, 1);
      if (verdict.held.length > 0) {
        // The alert: one ERROR line naming every held key and check (a key in use elsewhere is a
        // front-run or a leaked key; either way a human must look).
        Context.current().log.error(
          `pre-deposit guard: ${verdict.held.length} of ${deposits.length} key(s) of rollup ${rollupAdmin} held, none of their ETH sent: ${describeHeld(verdict.held)}`,
          {
            rollupAdmin,
            held: verdict.held.map((h) => ({ pubkey: h.pubkey, checks: h.failures.map((f) => f.check) })),
            blockNumber,
          },
        );
      }
      return { ...verdict, skipped, blockNumber };
    },
  };
}
