// Messages between creation workflows and the SSV registrar (DESIGN.md invariant 4): the Nexus
// contract is the SSV owner of every rollup's validators, so all registrations share one owner
// nonce sequence, and one workflow serves them one at a time, in nonce order.

/** Register mnemonic keys: their keyshares are built for the nonce current at registration. */
export interface MnemonicRegistrationRequest {
  kind: 'mnemonic';
  requestId: string;
  /** Workflow id that receives the result signal. */
  requester: string;
  rollupAdmin: string;
  operatorCluster: number;
  keys: { pubkey: string; keyIndex: number }[];
}

/**
 * Reserve the next `count` owner nonces for a DKG ceremony. While a reservation is held, nothing
 * else registers: the ceremony's keyshares are signed for exactly those nonces.
 */
export interface DkgReservationRequest {
  kind: 'dkg-reserve';
  requestId: string;
  requester: string;
  rollupAdmin: string;
  count: number;
}

/** Register the keyshares of a reservation, in nonce order; ends the reservation. */
export interface DkgRegistrationRequest {
  kind: 'dkg-register';
  requestId: string;
  requester: string;
  rollupAdmin: string;
  keyshares: import('../activities/types').KeysharesPayload[];
}

/** Give a reservation up (the ceremony or the deposit failed): the sequence moves on. */
export interface DkgAbandonRequest {
  kind: 'dkg-abandon';
  requestId: string;
  requester: string;
  reason: string;
}

export type RegistrationRequest = MnemonicRegistrationRequest | DkgReservationRequest | DkgRegistrationRequest | DkgAbandonRequest;

export type RegistrationResult =
  | { requestId: string; kind: 'granted'; firstNonce: number }
  | { requestId: string; kind: 'registered'; registered: { pubkey: string; ownerNonce: number; txHash?: string }[] }
  | { requestId: string; kind: 'failed'; reason: string; registered: { pubkey: string; ownerNonce: number; txHash?: string }[] };

export const REGISTRAR_WORKFLOW_ID = 'nexus-ssv-registrar';
