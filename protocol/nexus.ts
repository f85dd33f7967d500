// Shapes that cross the line between activities and workflows and belong to neither: the public
// Nexus enum, the SSV keyshares payload, what the pre-deposit guard holds back. Pure types and
// constants (workflows bundle this file).

/** Nexus.validators(pubkey), in the contract's enum order. */
export const NEXUS_VALIDATOR_STATUSES = [
  'INACTIVE',
  'DEPOSITED',
  'SHARE_DEPOSITED',
  'VALIDATOR_EXIT_SUBMITTED',
  'VALIDATOR_EXITED',
] as const;
export type NexusValidatorStatus = (typeof NEXUS_VALIDATOR_STATUSES)[number];

/** An SSV keyshares payload, as SSVNetwork.registerValidator takes it (checked by activities/keys/keyshares-verify.ts). */
export interface KeysharesPayload {
  /** validator BLS public key, 0x + 96 hex */
  publicKey: string;
  /** operator ids, strictly ascending */
  operatorIds: number[];
  /** 0x-hex sharesData */
  sharesData: string;
}

/** A payload with the owner nonce its signature is for: what a registration request carries (activities/types.ts KeysharesPayload). */
export interface SignedKeysharesPayload extends KeysharesPayload {
  ownerNonce: number;
}

/** The pre-deposit guard's four checks, in the order they are reported (activities/guard/). */
export const GUARD_CHECKS = ['beacon', 'deposit-contract', 'ssv-network', 'deposit-signature'] as const;
export type GuardCheck = (typeof GUARD_CHECKS)[number];

/** A key the guard refused to deposit: every check it failed, and why, in one line each. */
export interface HeldKey {
  pubkey: string;
  failures: { check: GuardCheck; reason: string }[];
}
