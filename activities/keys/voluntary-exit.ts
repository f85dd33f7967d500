// Voluntary exits (consensus specs): VoluntaryExit{epoch, validator_index} signed with
// DOMAIN_VOLUNTARY_EXIT. Before Deneb the domain's fork version is the one in force at the exit's
// epoch; from Deneb on (EIP-7044) it is always the Capella fork version, so an exit stays valid
// across later forks. The fork schedule and genesis validators root come from the chain's beacon
// node (BeaconClient.getChainInfo), never from the preset this process imports. SSZ, signing roots
// and domains come from @lodestar/*, BLS from @chainsafe/bls: nothing here is hand-written crypto.
//
// A signed exit is a bearer instrument: anyone who holds it can broadcast it and exit the
// validator, at any time, on this network, for ever (EIP-7044 keeps it valid across forks). Sign
// right before broadcasting, in the activity that broadcasts, and never return a signed exit that
// has not been broadcast from an activity, put it in a workflow input, signal, memo or log, or
// store it: Temporal keeps those in history.
import { forkAtEpoch, forkScheduleProblems, type ForkSchedule, type ForkScheduleEntry } from '../beacon/fork-schedule';
import { loadBls, loadLodestarParams, loadLodestarStateTransition, loadLodestarTypes } from '../esm/loaders';
import { VoluntaryExitSigningError } from './errors';
import type { SignedVoluntaryExitJson } from '../beacon/voluntary-exit-json';

export type { SignedVoluntaryExitJson };

/**
 * The fork version of an exit's signature domain for an exit at `epoch`: the CAPELLA version when
 * DENEB is scheduled at or before `epoch` (EIP-7044), else the version of the fork in force at
 * `epoch`. Sign for the chain's current epoch, so that "in force at the exit's epoch" is the fork
 * the chain is in when the exit is checked. Lower-case 0x-hex.
 */
export function exitSigningForkVersion(forkSchedule: ForkSchedule, epoch: number): string {
  assertUint(epoch, 'epoch');
  const problems = forkScheduleProblems(forkSchedule);
  if (problems.length > 0) throw new VoluntaryExitSigningError(`the fork schedule is invalid: ${problems.join('; ')}`);
  const deneb = forkSchedule.DENEB;
  if (deneb && deneb.epoch !== null && epoch >= deneb.epoch) {
    // Present: a valid schedule lists every fork before a scheduled one.
    return (forkSchedule.CAPELLA as ForkScheduleEntry).version;
  }
  return forkAtEpoch(forkSchedule, epoch).version;
}

/**
 * Signs VoluntaryExit{epoch, validatorIndex} with `secretKey` (which stays here: the caller owns and
 * wipes it) for the chain given by its fork schedule and genesis validators root. Returns the Beacon
 * API JSON, ready for BeaconClient.submitVoluntaryExit. See the file comment: a signed exit is a
 * bearer instrument.
 */
export async function signVoluntaryExit(opts: {
  secretKey: Uint8Array;
  validatorIndex: number;
  epoch: number;
  forkSchedule: ForkSchedule;
  genesisValidatorsRoot: string | Uint8Array;
}): Promise<SignedVoluntaryExitJson> {
  assertUint(opts.validatorIndex, 'validator index');
  const forkVersion = exitSigningForkVersion(opts.forkSchedule, opts.epoch);
  const genesisValidatorsRoot = rootBytes(opts.genesisValidatorsRoot);
  const [bls, { ssz }, { computeDomain, computeSigningRoot }, { DOMAIN_VOLUNTARY_EXIT }] = await Promise.all([
    loadBls(),
    loadLodestarTypes(),
    loadLodestarStateTransition(),
    loadLodestarParams(),
  ]);
  let sk: ReturnType<typeof bls.SecretKey.fromBytes>;
  try {
    sk = bls.SecretKey.fromBytes(opts.secretKey);
  } catch {
    // No `cause`: a library error might quote its input.
    throw new VoluntaryExitSigningError(
      `the secret key for validator ${opts.validatorIndex} is not a valid BLS secret key (32 bytes, non-zero, below the curve order)`,
    );
  }
  const message = { epoch: opts.epoch, validatorIndex: opts.validatorIndex };
  const domain = computeDomain(DOMAIN_VOLUNTARY_EXIT, Buffer.from(forkVersion.slice(2), 'hex'), genesisValidatorsRoot);
  const signature = sk.sign(computeSigningRoot(ssz.phase0.VoluntaryExit, message, domain)).toBytes();
  return ssz.phase0.SignedVoluntaryExit.toJson({ message, signature }) as unknown as SignedVoluntaryExitJson;
}

/** Epochs and validator indices: uint64 on chain, safe integers here (real ones are far below 2^53). */
function assertUint(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new VoluntaryExitSigningError(`${what} must be a non-negative integer, got ${value}`);
}

function rootBytes(value: string | Uint8Array): Uint8Array {
  if (typeof value === 'string') {
    if (!/^0x[0-9a-fA-F]{64}$/.test(value))
      throw new VoluntaryExitSigningError(
        `genesis validators root must be 32 bytes of 0x-hex, got ${JSON.stringify(value.slice(0, 80))}`,
      );
    return Uint8Array.from(Buffer.from(value.slice(2), 'hex'));
  }
  if (!(value instanceof Uint8Array) || value.length !== 32)
    throw new VoluntaryExitSigningError('genesis validators root must be 32 bytes');
  return Uint8Array.from(value);
}
