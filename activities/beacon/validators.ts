// Validator records as the bot keeps them (plain JSON), and the status rules exits follow. Statuses
// are the Beacon API's (ethereum/beacon-APIs, validator status), the same on every client.

export const BEACON_STATUSES = [
  'pending_initialized',
  'pending_queued',
  'active_ongoing',
  'active_exiting',
  'active_slashed',
  'exited_unslashed',
  'exited_slashed',
  'withdrawal_possible',
  'withdrawal_done',
] as const;
export type BeaconStatus = (typeof BEACON_STATUSES)[number];

export interface BeaconValidator {
  index: number;
  status: BeaconStatus;
  /** Current balance in gwei (decimal string). */
  balanceGwei: string;
  /** Effective balance in gwei (decimal string). */
  effectiveBalanceGwei: string;
  /** null while not activated (FAR_FUTURE_EPOCH); 0 for a genesis validator. Optional: older records lack it. */
  activationEpoch?: number | null;
  /** null while no exit is initiated (FAR_FUTURE_EPOCH). */
  exitEpoch: number | null;
  /** null while no exit is initiated (FAR_FUTURE_EPOCH). */
  withdrawableEpoch: number | null;
  /** 32 bytes, lower-case 0x-hex. */
  withdrawalCredentials: string;
}

/**
 * The exit is initiated or done (or the validator was slashed, which exits it): sending another
 * voluntary exit is pointless, and the node would reject it.
 */
export function isExitingOrExited(status: BeaconStatus): boolean {
  return (
    status === 'active_exiting' ||
    status === 'active_slashed' ||
    status.startsWith('exited_') ||
    status.startsWith('withdrawal_')
  );
}

/**
 * The validator's withdrawable epoch has come: from then on the consensus layer sweeps its balance
 * to the withdrawal credentials (an 0x01 address: the rollup's bridge).
 */
export function isWithdrawable(validator: Pick<BeaconValidator, 'withdrawableEpoch'>, currentEpoch: number): boolean {
  return validator.withdrawableEpoch !== null && currentEpoch >= validator.withdrawableEpoch;
}

export function isBeaconStatus(value: unknown): value is BeaconStatus {
  return typeof value === 'string' && (BEACON_STATUSES as readonly string[]).includes(value);
}
