// A Lodestar 1.5.1 beacon node (`lodestar dev`, one node, its own validator client) for the local
// network: the consensus layer where voluntary exits are signed against, broadcast to and followed.
// Its genesis holds interop validators, which produce the blocks, plus the requested mnemonic keys
// with 0x01 withdrawal credentials to their rollups' bridges. The chain is phase0 (Lodestar 1.5.1
// cannot run later forks on a dev chain from this registry), and it starts from a NEW genesis at
// every start: the data folder is emptied first.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { toolPath } from '../../tools/paths';
import { buildGenesis, lodestarEnv, type KeyGroup } from '../beacon/genesis';
import { getGenesis, getHeadSlot } from '../beacon/rest';
import {
  assertPortFree,
  freePort,
  startOnFreePorts,
  startService,
  StartAbandonedError,
  type ServiceProcess,
} from './process';

export type { KeyGroup } from '../beacon/genesis';

/**
 * holesky's GENESIS_FORK_VERSION: the local worker signs deposits for `holesky` (the only named
 * network ssv-dkg also knows), so the beacon chain's deposit domain must be holesky's.
 */
export const LOCAL_GENESIS_FORK_VERSION = '0x01017000';
/** The minimal preset of `lodestar dev`. */
export const SLOTS_PER_EPOCH = 8;

const DEFAULT_GENESIS_DELAY_SECONDS = 15;
/** Starts with a new genesis (each twice as far away) when the node stalls at its start. */
const STALLED_START_ATTEMPTS = 3;

export interface BeaconNodeOptions {
  /** Emptied at every start: the chain begins from a new genesis each time. */
  dataDir: string;
  keyGroups: readonly KeyGroup[];
  /**
   * Interop validators (the block producers). Default: 4 × the key groups' keys, at least 16. The
   * groups' validators never attest, and a bare 2/3 majority is not enough on this node: with 3 ×
   * (75 % of the stake) it justified only every other epoch and never finalized; 4 × finalizes.
   */
  interopValidators?: number;
  secondsPerSlot?: number;
  /** Epochs from exit to withdrawable (mainnet: 256). */
  minValidatorWithdrawabilityDelay?: number;
  /** REST API port; a free one when absent. */
  restPort?: number;
  logFile?: string;
  /**
   * Seconds from now to genesis time (default 15). The genesis build and the node's start (6.5–9.4 s
   * measured, more on a loaded machine) must end before the clock is an epoch past the head:
   * Lodestar then counts itself stalled, its validators stop producing, and a single node never
   * recovers (seen at 1-s slots with 6 s here, and at 15 s on a loaded machine). Such a start is
   * detected and tried again with a new genesis, twice as far away each time (3 starts in all).
   */
  genesisDelaySeconds?: number;
  /** Until REST answers and the head is at slot 1 or later. */
  readyTimeoutMs?: number;
}

export interface BeaconNodeValidator {
  /** Validator index on the beacon chain. */
  index: number;
  pubkey: string;
  /** The EIP-2334 key index in its group's mnemonic. */
  keyIndex: number;
  /** The group's withdrawal address (its 0x01 credentials). */
  withdrawalAddress: string;
}

export interface BeaconNode extends ServiceProcess {
  /** REST API base, http://127.0.0.1:PORT. */
  readonly url: string;
  readonly genesisValidatorsRoot: string;
  readonly genesisForkVersion: string;
  /** Unix seconds. */
  readonly genesisTime: number;
  readonly secondsPerSlot: number;
  /** The key groups' validators, in the order of the groups and their indices. */
  readonly validators: readonly BeaconNodeValidator[];
}

/** What clients of the local beacon chain need to know (network.json's `beacon`). */
export interface BeaconNetworkInfo {
  url: string;
  genesisValidatorsRoot: string;
  genesisForkVersion: string;
  genesisTime: number;
  secondsPerSlot: number;
}

export function beaconNetworkInfo(node: BeaconNode): BeaconNetworkInfo {
  const { url, genesisValidatorsRoot, genesisForkVersion, genesisTime, secondsPerSlot } = node;
  return { url, genesisValidatorsRoot, genesisForkVersion, genesisTime, secondsPerSlot };
}

/** Chain config overrides, given alike to the genesis builder and to the node (`--params.KEY`). */
export function chainParams(secondsPerSlot: number, minValidatorWithdrawabilityDelay: number): Record<string, string> {
  return {
    GENESIS_FORK_VERSION: LOCAL_GENESIS_FORK_VERSION,
    SECONDS_PER_SLOT: String(secondsPerSlot),
    // Exits are allowed from genesis on (mainnet: 256 epochs of activity first).
    SHARD_COMMITTEE_PERIOD: '0',
    MIN_VALIDATOR_WITHDRAWABILITY_DELAY: String(minValidatorWithdrawabilityDelay),
  };
}

function chainSettings(opts: BeaconNodeOptions): {
  secondsPerSlot: number;
  withdrawabilityDelay: number;
  interopValidators: number;
} {
  const secondsPerSlot = opts.secondsPerSlot ?? 2;
  const withdrawabilityDelay = opts.minValidatorWithdrawabilityDelay ?? 2;
  const ourKeys = opts.keyGroups.reduce((n, g) => n + g.indices.length, 0);
  const interopValidators = opts.interopValidators ?? Math.max(16, 4 * ourKeys);
  if (!Number.isInteger(secondsPerSlot) || secondsPerSlot < 1)
    throw new Error(`secondsPerSlot must be a whole number ≥ 1, got ${secondsPerSlot}`);
  if (!Number.isInteger(withdrawabilityDelay) || withdrawabilityDelay < 0)
    throw new Error(
      `minValidatorWithdrawabilityDelay must be a whole number of epochs ≥ 0, got ${withdrawabilityDelay}`,
    );
  if (!Number.isInteger(interopValidators) || interopValidators < 1)
    throw new Error(`interopValidators must be at least 1 (they produce the blocks), got ${interopValidators}`);
  return { secondsPerSlot, withdrawabilityDelay, interopValidators };
}

export async function startBeaconNode(opts: BeaconNodeOptions): Promise<BeaconNode> {
  chainSettings(opts); // bad settings are named before any port is picked
  const delay = opts.genesisDelaySeconds ?? DEFAULT_GENESIS_DELAY_SECONDS;
  for (let attempt = 1; ; attempt++) {
    // A node that came up too late for its genesis never produces: a new genesis, further away.
    const tryOpts = {
      ...opts,
      genesisDelaySeconds: attempt === 1 ? delay : Math.max(delay, DEFAULT_GENESIS_DELAY_SECONDS) * 2 ** (attempt - 1),
    };
    try {
      if (opts.restPort === undefined)
        return await startOnFreePorts('beacon node', async () => startBeaconNodeOn(await freePort(), tryOpts));
      await assertPortFree(opts.restPort, 'beacon node REST API');
      return await startBeaconNodeOn(opts.restPort, tryOpts);
    } catch (err) {
      if (!(err instanceof StartAbandonedError) || attempt >= STALLED_START_ATTEMPTS) throw err;
      process.stderr.write(
        `[localnet] beacon node stalled at its start (${err.message.split('\n')[0]}); starting it again with genesis ${Math.max(delay, DEFAULT_GENESIS_DELAY_SECONDS) * 2 ** attempt} s away (attempt ${attempt + 1} of ${STALLED_START_ATTEMPTS})\n`,
      );
    }
  }
}

/**
 * Whether a node stands stalled: Lodestar counts itself synced only while its head is within an
 * epoch of the clock (sync.js `state`), so a node whose head is still at genesis an epoch after
 * genesis time never produces a block (with no peers it waits for them forever).
 */
export function stalledAtStart(headSlot: number, genesisTime: number, secondsPerSlot: number, nowMs: number): boolean {
  const clockSlot = Math.floor((nowMs / 1000 - genesisTime) / secondsPerSlot);
  return headSlot === 0 && clockSlot > SLOTS_PER_EPOCH;
}

/** A fresh genesis and data folder on every start, so that a start again on other ports begins clean. */
async function startBeaconNodeOn(restPort: number, opts: BeaconNodeOptions): Promise<BeaconNode> {
  const { secondsPerSlot, withdrawabilityDelay, interopValidators } = chainSettings(opts);
  const command = toolPath('lodestar');
  const p2pPort = await freePort();
  const url = `http://127.0.0.1:${restPort}`;

  rmSync(opts.dataDir, { recursive: true, force: true });
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const params = chainParams(secondsPerSlot, withdrawabilityDelay);
  const genesisFile = join(opts.dataDir, 'genesis.ssz');
  const genesis = await buildGenesis({
    outFile: genesisFile,
    genesisTime: Math.floor(Date.now() / 1000) + (opts.genesisDelaySeconds ?? DEFAULT_GENESIS_DELAY_SECONDS),
    interopValidators,
    params,
    keyGroups: opts.keyGroups,
  });

  const args = [
    'dev',
    '--genesisStateFile',
    genesisFile,
    '--startValidators',
    `0..${interopValidators - 1}`,
    '--dataDir',
    join(opts.dataDir, 'node'),
    '--rest',
    '--rest.address',
    '127.0.0.1',
    '--rest.port',
    String(restPort),
    // Without --server the validator client looks for the node on the default port 9596.
    '--server',
    url,
    '--listenAddress',
    '127.0.0.1',
    '--port',
    String(p2pPort),
    '--discv5',
    'false',
    '--mdns',
    'false',
    ...Object.entries(params).flatMap(([key, value]) => [`--params.${key}`, value]),
    '--logLevel',
    'info',
    '--logFile',
    'none',
  ];
  const service = await startService({
    name: 'beacon node',
    command,
    args,
    cwd: opts.dataDir,
    env: lodestarEnv(),
    logFile: opts.logFile,
    ready: async () => {
      await getGenesis(url);
      const head = await getHeadSlot(url);
      if (stalledAtStart(head, genesis.genesisTime, secondsPerSlot, Date.now())) {
        throw new StartAbandonedError(
          `its head is at genesis more than an epoch (${SLOTS_PER_EPOCH} slots) after genesis time: it came up too late and will not produce`,
        );
      }
      return head >= 1;
    },
    readyTimeoutMs: opts.readyTimeoutMs ?? 90_000,
    // Lodestar 1.5.1 never finishes a SIGTERM: SIGKILL (by PID) after 5 s.
    killAfterMs: 5_000,
  });

  return Object.assign(service, {
    url,
    genesisValidatorsRoot: genesis.genesisValidatorsRoot,
    genesisForkVersion: genesis.genesisForkVersion,
    genesisTime: genesis.genesisTime,
    secondsPerSlot,
    validators: genesis.validators.map((v) => ({
      index: v.index,
      pubkey: v.pubkey,
      keyIndex: v.keyIndex,
      withdrawalAddress: opts.keyGroups[v.group].withdrawalAddress,
    })),
  });
}
