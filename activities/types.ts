// What crosses the activity boundary: JSON only (bigints as decimal strings), public material only
// (DESIGN.md invariant 3: no mnemonic, salt, private key or key share ever appears here).
import type { BasisPoints } from '../protocol/identifiers';

export type KeyPath = 'dkg' | 'mnemonic';

/** A rollup's state read at one block, checked there (chain/rollup-reads.ts); planning takes it as it is. */
export interface RollupSnapshot {
  /** Checksummed, as the chain read gives it (the monitor's own input holds the lower-case RollupAdmin). */
  rollupAdmin: string;
  bridge: string;
  stakingLimitBps: BasisPoints;
  operatorCluster: number;
  bridgeBalanceWei: string;
  validatorCount: string;
  /** DAO or User (CValue/Rebase) bridge: which exit-accounting rule applies (chain/bridge-kind.ts). */
  bridgeKind: 'DAO' | 'User';
  blockNumber: number;
  /** The worker runs in dry-run mode: plan and log only. */
  dryRun?: boolean;
}

/** Deposit data of one validator, as Nexus.depositValidatorRollup takes it (0x-hex). */
export interface PublicDepositData {
  pubkey: string;
  withdrawalCredentials: string;
  signature: string;
  depositDataRoot: string;
}

/** Key material of one mnemonic validator: its public deposit data and where its key came from. */
export interface MnemonicValidator {
  keyIndex: number;
  deposit: PublicDepositData;
}

/** The SSV registration payload of one validator (sharesData holds only encrypted shares). */
export interface KeysharesPayload {
  publicKey: string;
  operatorIds: number[];
  sharesData: string;
  ownerNonce: number;
}

/** A DKG ceremony's verified output: per validator its deposit and keyshares (nonce = firstNonce + i). */
export interface CeremonyOutput {
  ceremonyId: string;
  validators: { deposit: PublicDepositData; keyshares: KeysharesPayload }[];
  /** DKG: the archive folders of its ceremonies (deposit data, keyshares, proofs), in nonce order. */
  archive?: string[];
}

export interface SubmittedTransaction {
  txHash: string;
  blockNumber: number;
}

/** Why a batch's SSV registrations could not go through now. */
export type FundingProblem = 'nexus-ssv-short' | 'cluster-liquidatable' | 'cluster-liquidated';

/** The pre-deposit funding check of a batch (amounts in SSV-token wei, decimal strings). */
export interface RegistrationFunding {
  ok: boolean;
  reason?: FundingProblem;
  /** One line naming the cluster and the numbers, for status and logs. */
  message?: string;
  /** Per registration, in order: what each will send with depositValidatorShares. */
  amountsWei: string[];
  totalWei: string;
  nexusTokensWei: string;
  clusterBalanceWei: string;
  burnPerValidatorWei: string;
  operatorIds: number[];
  /** Validators in the cluster now. */
  validatorCount: number;
  blockNumber: number;
}
