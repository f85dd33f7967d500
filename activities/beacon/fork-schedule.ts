// A chain's fork schedule as its beacon node's /eth/v1/config/spec lists it: each fork's version and
// activation epoch. Signature domains depend on it (voluntary exits use the Capella version from
// Deneb on, EIP-7044), so it is read from the node, never from the @lodestar/config this process
// imports: a local dev node runs a different network (and preset) than mainnet.
//
// Lodestar 1.5.1 (the local dev node) predates the name Deneb: it lists EIP4844_FORK_* (never
// scheduled) and no DENEB_FORK_*, so Deneb is absent there, which matches what that node checks
// (it also predates EIP-7044).

/** The forks whose versions the bot may need, in activation order. */
export const FORK_NAMES = ['GENESIS', 'ALTAIR', 'BELLATRIX', 'CAPELLA', 'DENEB', 'ELECTRA', 'FULU'] as const;
export type ForkName = (typeof FORK_NAMES)[number];

export interface ForkScheduleEntry {
  /** 4-byte fork version, lower-case 0x-hex. */
  version: string;
  /** Activation epoch; null when the spec says FAR_FUTURE_EPOCH (not scheduled). */
  epoch: number | null;
}

/**
 * Forks the spec lists; a fork that is absent never activates. GENESIS is always present, at
 * epoch 0. Plain JSON, so it can cross activity boundaries.
 */
export type ForkSchedule = { GENESIS: ForkScheduleEntry } & Partial<
  Record<Exclude<ForkName, 'GENESIS'>, ForkScheduleEntry>
>;

/** FAR_FUTURE_EPOCH (2^64 − 1) as the spec endpoint prints it. */
const FAR_FUTURE_EPOCH_JSON = '18446744073709551615';

/**
 * The fork schedule from a spec object (`/eth/v1/config/spec` data, or chainConfigToJson of a
 * @lodestar/config chain config). Throws an Error naming every malformed or inconsistent entry.
 */
export function forkScheduleFromSpec(spec: Readonly<Record<string, unknown>>): ForkSchedule {
  const problems: string[] = [];
  const entries: Partial<Record<ForkName, ForkScheduleEntry>> = {};
  for (const fork of FORK_NAMES) {
    const versionKey = `${fork}_FORK_VERSION`;
    const epochKey = `${fork}_FORK_EPOCH`;
    const version = spec[versionKey];
    // GENESIS has no _FORK_EPOCH key: it is epoch 0 by definition.
    const epoch = fork === 'GENESIS' ? '0' : spec[epochKey];
    if (fork === 'GENESIS' && version === undefined) {
      problems.push(`${versionKey} is missing`);
      continue;
    }
    if (version === undefined && epoch === undefined) continue;
    if (version === undefined || epoch === undefined) {
      problems.push(
        `${version === undefined ? versionKey : epochKey} is missing while ${version === undefined ? epochKey : versionKey} is listed`,
      );
      continue;
    }
    const parsedVersion = parseForkVersion(version);
    const parsedEpoch = parseEpoch(epoch);
    if (parsedVersion === undefined)
      problems.push(`${versionKey} must be 4 bytes of 0x-hex, got ${JSON.stringify(version)}`);
    if (parsedEpoch === undefined) problems.push(`${epochKey} must be a decimal epoch, got ${JSON.stringify(epoch)}`);
    if (parsedVersion !== undefined && parsedEpoch !== undefined)
      entries[fork] = { version: parsedVersion, epoch: parsedEpoch };
  }
  if (problems.length === 0) problems.push(...forkScheduleProblems(entries as ForkSchedule));
  if (problems.length > 0) throw new Error(`invalid fork schedule: ${problems.join('; ')}`);
  return entries as ForkSchedule;
}

/**
 * What is wrong with a fork schedule (empty when nothing is): malformed entries, GENESIS not at
 * epoch 0, forks scheduled out of order or after a fork that never comes.
 */
export function forkScheduleProblems(schedule: ForkSchedule): string[] {
  const problems: string[] = [];
  if (schedule === null || typeof schedule !== 'object') return ['the fork schedule is not an object'];
  let previous: { fork: ForkName; epoch: number | null } | undefined;
  for (const fork of FORK_NAMES) {
    const entry = schedule[fork];
    if (entry === undefined) {
      if (fork === 'GENESIS') problems.push('GENESIS is missing');
      previous = { fork, epoch: null };
      continue;
    }
    if (typeof entry.version !== 'string' || parseForkVersion(entry.version) !== entry.version) {
      problems.push(`${fork} version must be 4 bytes of lower-case 0x-hex, got ${JSON.stringify(entry.version)}`);
    }
    if (entry.epoch !== null && !(Number.isSafeInteger(entry.epoch) && entry.epoch >= 0)) {
      problems.push(`${fork} epoch must be a non-negative integer or null, got ${JSON.stringify(entry.epoch)}`);
      continue;
    }
    if (fork === 'GENESIS' && entry.epoch !== 0) problems.push(`GENESIS must be at epoch 0, got ${entry.epoch}`);
    if (previous && entry.epoch !== null) {
      if (previous.epoch === null)
        problems.push(
          `${fork} is scheduled at epoch ${entry.epoch} but the earlier fork ${previous.fork} never activates`,
        );
      else if (entry.epoch < previous.epoch)
        problems.push(`${fork} at epoch ${entry.epoch} comes before ${previous.fork} at epoch ${previous.epoch}`);
    }
    previous = { fork, epoch: entry.epoch };
  }
  return problems;
}

/** The fork in force at `epoch`: the last scheduled fork whose epoch has come. */
export function forkAtEpoch(schedule: ForkSchedule, epoch: number): { fork: ForkName; version: string } {
  let current: { fork: ForkName; version: string } = { fork: 'GENESIS', version: schedule.GENESIS.version };
  for (const fork of FORK_NAMES) {
    const entry = schedule[fork];
    if (entry && entry.epoch !== null && entry.epoch <= epoch) current = { fork, version: entry.version };
  }
  return current;
}

function parseForkVersion(value: unknown): string | undefined {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{8}$/.test(value) ? value.toLowerCase() : undefined;
}

/** A decimal uint64 epoch: FAR_FUTURE_EPOCH → null; other values must be safe integers. */
function parseEpoch(value: unknown): number | null | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d+$/.test(text)) return undefined;
  if (text === FAR_FUTURE_EPOCH_JSON) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
