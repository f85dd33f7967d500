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
  keyshares: import('./nexus').SignedKeysharesPayload[];
}

/** Give a reservation up (the ceremony or the deposit failed): the sequence moves on. */
export interface DkgAbandonRequest {
  kind: 'dkg-abandon';
  requestId: string;
  requester: string;
  reason: string;
}

export type RegistrationRequest =
  MnemonicRegistrationRequest | DkgReservationRequest | DkgRegistrationRequest | DkgAbandonRequest;

export type RegistrationResult =
  | { requestId: string; kind: 'granted'; firstNonce: number }
  | { requestId: string; kind: 'registered'; registered: { pubkey: string; ownerNonce: number; txHash?: string }[] }
  | {
      requestId: string;
      kind: 'failed';
      reason: string;
      registered: { pubkey: string; ownerNonce: number; txHash?: string }[];
    };

/**
 * Registrations halted (issue 13, item 3): a key's ValidatorAdded stands at another owner nonce
 * than its keyshares were signed for (or its signature fits no nonce it stands at). SSV nodes
 * ignore that key, and a sequence that went off once may go off again: nothing more is registered,
 * for any rollup, until an operator has looked and resumes (resumeRegistrations update).
 */
export interface RegistrationHalt {
  reason: string;
  since: string;
  pubkey: string;
  rollupAdmin: string;
  /** The nonce its keyshares were signed for (-1: unknown, the key was found registered already). */
  signedFor: number;
  /** The nonce its ValidatorAdded stands at. */
  landedAt: number;
  blockNumber: number;
  txHash?: string;
}

/** What an operator gives to resume: why it is safe now (kept in the history and the log). */
export interface ResumeRegistrationsInput {
  reason: string;
}

export interface ResumeRegistrationsResult {
  /** False when registrations were not halted (nothing changed). */
  resumed: boolean;
  /** The owner nonce read from the chain before going on (the next registration's). */
  ownerNonce?: number;
  /** The halt that was lifted. */
  halt?: RegistrationHalt;
}

export const REGISTRAR_WORKFLOW_ID = 'nexus-ssv-registrar';

/** A segment of the registrar's spilled queue (workflows/registrar-queue.ts): its input, read back by readQueueSegment. */
export interface QueueSegmentInput {
  /** The registrar's workflow id (stable across its continue-as-new). */
  owner: string;
  segmentId: string;
  requests: RegistrationRequest[];
  /** Arrival times of those requests (ISO, by request id). */
  queuedAt: Record<string, string>;
}

export interface LandedRegistration {
  /** The owner nonce the key's ValidatorAdded stands at (0-based count of the owner's events before it). */
  ownerNonce: number;
  blockNumber: number;
  transactionHash: string;
  /** Whether the event's sharesData signature is the validator key's over "<owner>:<ownerNonce>". */
  signatureValid: boolean;
}

/** A key the registrar registered (or found registered), with where it landed. */
export interface RegisteredKeyshares {
  pubkey: string;
  /** The nonce its keyshares were signed for (-1: found registered already, signed nonce unknown). */
  ownerNonce: number;
  /** Absent when the key was already registered (a retried activity). */
  txHash?: string;
  /** After mining: where its ValidatorAdded stands in the owner's sequence (registration-position.ts). */
  landed?: LandedRegistration;
}
