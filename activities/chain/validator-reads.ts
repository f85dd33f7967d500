// Validator and event reads (reads.ts): Nexus statuses of many keys, the events that wake a monitor,
// a rollup's submitted keys and a validator's operators.
import { ethers, type Provider } from 'ethers';
import { nexusInterface, ssvNetworkInterface } from './abi';
import { scanLogs } from './logs';
import { callView, chainStakingLimit, checkAddress, pinBlock, type ContractRef } from './call';
import { InvalidChainDataError, InvalidReadArgumentError, ValidatorNotInSsvError } from './read-errors';
import {
  NEXUS_VALIDATOR_STATUSES,
  type ValidatorStatuses,
  type RollupEvent,
  type RollupEvents,
  type BlockTagOption,
  type ScanOptions,
} from './reads-types';
import { logPosition, resolveScan, ownerTopic } from './read-helpers';

const DEFAULT_STATUS_CHUNK = 500;

/**
 * Nexus.validators(pubkey) for every key, at one block. Calls go out `chunkSize` at a time and the
 * provider packs them into JSON-RPC batches (batchMaxCount each), so 10,000 keys take ~100 HTTP
 * requests, without a per-key log scan.
 */
export async function readValidatorStatuses(
  provider: Provider,
  nexus: string,
  pubkeys: readonly string[],
  opts: BlockTagOption & { chunkSize?: number } = {},
): Promise<ValidatorStatuses> {
  const ref: ContractRef = { name: 'Nexus', address: checkAddress(nexus, 'Nexus address'), iface: nexusInterface };
  const chunkSize = opts.chunkSize ?? DEFAULT_STATUS_CHUNK;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1)
    throw new InvalidReadArgumentError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const keys = pubkeys.map((k, i) => {
    if (typeof k !== 'string' || !ethers.isHexString(k, 48))
      throw new InvalidReadArgumentError(
        `pubkeys[${i}] must be a 48-byte 0x-hex BLS public key, got ${JSON.stringify(String(k).slice(0, 100))}`,
      );
    return k.toLowerCase();
  });
  const block = await pinBlock(provider, opts.blockTag);
  const statuses: ValidatorStatuses['statuses'] = [];
  for (let start = 0; start < keys.length; start += chunkSize) {
    const chunk = keys.slice(start, start + chunkSize);
    const results = await Promise.all(chunk.map((k) => callView(provider, ref, 'validators', [k], block.blockNumber)));
    results.forEach(([raw], i) => {
      const value = raw as bigint;
      const status = NEXUS_VALIDATOR_STATUSES[Number(value)];
      if (value < 0n || value >= BigInt(NEXUS_VALIDATOR_STATUSES.length) || !status) {
        throw new InvalidChainDataError(
          `Nexus.validators(${chunk[i]}) at ${ref.address} returned ${value} at block ${block.blockNumber}, not a Nexus ValidatorStatus (0..${NEXUS_VALIDATOR_STATUSES.length - 1})`,
        );
      }
      statuses.push({ pubkey: chunk[i], status });
    });
  }
  return { ...block, statuses };
}

const ROLLUP_EVENT_NAMES = ['RollupRegistered', 'StakingLimitChanged', 'RollupOperatorClusterChanged'] as const;

/**
 * The Nexus events that should wake a rollup's monitor early: RollupRegistered,
 * StakingLimitChanged and RollupOperatorClusterChanged, for the given rollup admin(s) (null: every
 * rollup; one scan serves all monitors of a worker). Their `rollupAdmin` is not indexed, so the
 * filter is applied after decoding; the logs are tiny. Bridge balance changes (user deposits,
 * withdrawals, validator exits) emit no Nexus event: detect them by comparing
 * readRollupState().bridgeBalanceWei between polls.
 */
export async function readRollupEvents(
  provider: Provider,
  nexus: string,
  rollupAdmins: string | readonly string[] | null,
  opts: ScanOptions,
): Promise<RollupEvents> {
  const address = checkAddress(nexus, 'Nexus address');
  const wanted =
    rollupAdmins === null
      ? null
      : new Set(
          (typeof rollupAdmins === 'string' ? [rollupAdmins] : rollupAdmins).map((a, i) =>
            checkAddress(a, `rollup admin #${i}`),
          ),
        );
  const range = await resolveScan(provider, opts, 'Nexus rollup event scan');
  const fragments = ROLLUP_EVENT_NAMES.map((name) => {
    const ev = nexusInterface.getEvent(name);
    if (!ev) throw new Error(`the bot ABI has no Nexus ${name} event`);
    return ev;
  });
  const events: RollupEvent[] = [];
  await scanLogs(
    provider,
    { contract: 'Nexus', what: ROLLUP_EVENT_NAMES.join('/'), address, topic0: fragments.map((f) => f.topicHash) },
    range,
    'forward',
    (logs) => {
      for (const log of logs) {
        const where = `Nexus ${address} log ${log.transactionHash}#${log.index}`;
        let parsed: ethers.LogDescription | null;
        try {
          parsed = nexusInterface.parseLog(log);
        } catch (err) {
          throw new InvalidChainDataError(`${where} does not decode`, { cause: err });
        }
        if (!parsed) throw new InvalidChainDataError(`${where} has an unknown topic ${log.topics[0]}`);
        const args = parsed.args;
        const rollupAdmin = ethers.getAddress(args.rollupAdmin as string);
        if (wanted && !wanted.has(rollupAdmin)) continue;
        const base = { rollupAdmin, ...logPosition(log) };
        const limit = (value: unknown) => chainStakingLimit(value as bigint, `${where} (${parsed?.name}) has`);
        switch (parsed.name) {
          case 'RollupRegistered':
            events.push({
              event: 'RollupRegistered',
              ...base,
              bridge: ethers.getAddress(args.bridgeContract as string),
              stakingLimit: limit(args.stakingLimit),
              operatorCluster: (args.operatorCluster as bigint).toString(),
              // uint256 in the public contracts (basis points; 625 < fee ≤ 1000 in practice)
              nexusFee: (args.nexusFee as bigint).toString(),
            });
            break;
          case 'StakingLimitChanged':
            events.push({ event: 'StakingLimitChanged', ...base, stakingLimit: limit(args.stakingLimit) });
            break;
          case 'RollupOperatorClusterChanged':
            events.push({
              event: 'RollupOperatorClusterChanged',
              ...base,
              operatorCluster: (args.operatorCluster as bigint).toString(),
            });
            break;
          default:
            throw new InvalidChainDataError(`${where} is a ${parsed.name} event, which the filter did not ask for`);
        }
      }
    },
  );
  return { fromBlock: range.fromBlock, toBlock: range.toBlock, events };
}

/**
 * Every key Nexus accepted a deposit for on behalf of `rollupAdmin` (ValidatorSubmitted events;
 * their rollupAdmin is not indexed, so the filter runs after decoding), oldest first. Exits pick
 * their candidates from these.
 */
export async function readRollupValidatorKeys(
  provider: Provider,
  nexus: string,
  rollupAdmin: string,
  opts: ScanOptions,
): Promise<{ blockNumber: number; pubkeys: string[] }> {
  const address = checkAddress(nexus, 'Nexus address');
  const admin = checkAddress(rollupAdmin, 'rollup admin');
  const event = nexusInterface.getEvent('ValidatorSubmitted');
  if (!event) throw new Error('the bot ABI has no Nexus ValidatorSubmitted event');
  const range = await resolveScan(provider, opts, 'Nexus ValidatorSubmitted scan');
  const pubkeys: string[] = [];
  await scanLogs(
    provider,
    { contract: 'Nexus', what: 'ValidatorSubmitted', address, topic0: [event.topicHash] },
    range,
    'forward',
    (logs) => {
      for (const log of logs) {
        let args: ethers.Result;
        try {
          args = nexusInterface.decodeEventLog(event, log.data, log.topics);
        } catch (err) {
          throw new InvalidChainDataError(
            `Nexus ${address} ValidatorSubmitted log ${log.transactionHash}#${log.index} does not decode`,
            { cause: err },
          );
        }
        if (ethers.getAddress(args.rollupAdmin as string) === admin)
          pubkeys.push((args.pubKey as string).toLowerCase());
      }
    },
  );
  return { blockNumber: range.toBlock, pubkeys };
}

/**
 * The operator ids a key was registered with in SSV by `owner` (its latest ValidatorAdded event):
 * removing it later must name exactly those, whatever cluster its rollup uses today.
 */
export async function readValidatorOperatorIds(
  provider: Provider,
  ssvNetwork: string,
  owner: string,
  pubkey: string,
  opts: ScanOptions,
): Promise<number[]> {
  const address = checkAddress(ssvNetwork, 'SSVNetwork address');
  const ownerAddress = checkAddress(owner, 'SSV owner');
  if (typeof pubkey !== 'string' || !ethers.isHexString(pubkey, 48))
    throw new InvalidReadArgumentError(
      `pubkey must be a 48-byte 0x-hex BLS public key, got ${JSON.stringify(String(pubkey).slice(0, 100))}`,
    );
  const wanted = pubkey.toLowerCase();
  const event = ssvNetworkInterface.getEvent('ValidatorAdded');
  if (!event) throw new Error('the bot ABI has no SSVNetwork ValidatorAdded event');
  const range = await resolveScan(provider, opts, 'SSV ValidatorAdded scan');
  let operatorIds: number[] | undefined;
  await scanLogs(
    provider,
    {
      contract: 'SSVNetwork',
      what: 'ValidatorAdded',
      address,
      topic0: [event.topicHash],
      topic1: ownerTopic(ownerAddress),
    },
    range,
    'backward',
    (logs) => {
      for (let i = logs.length - 1; i >= 0; i--) {
        let args: ethers.Result;
        try {
          args = ssvNetworkInterface.decodeEventLog(event, logs[i].data, logs[i].topics);
        } catch (err) {
          throw new InvalidChainDataError(
            `SSVNetwork ${address} ValidatorAdded log ${logs[i].transactionHash}#${logs[i].index} does not decode`,
            { cause: err },
          );
        }
        if ((args.publicKey as string).toLowerCase() !== wanted) continue;
        operatorIds = (args.operatorIds as bigint[]).map(Number);
        return true;
      }
      return false;
    },
  );
  if (!operatorIds)
    throw new ValidatorNotInSsvError(
      `${wanted} has no ValidatorAdded event of owner ${ownerAddress} at SSVNetwork ${address} up to block ${range.toBlock}: its keyshares were never registered`,
    );
  return operatorIds;
}

// Bridge.getRewards() and the exit-accounting rule of each bridge kind: bridge-kind.ts.
