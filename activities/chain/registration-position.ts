// Where a registration really landed in the owner's nonce sequence (issue 13, item 3). SSVNetwork
// accepts any sharesData, and every SSV node checks its signature against the owner nonce the
// event stands at (facts/ssv-and-dkg.md §1.7, §2.2): keyshares signed for nonce k that land at
// k+1 (another registration of the owner slipped in between, a read from a lagging backend)
// make a validator nobody operates, and every later registration is off by one. So after mining,
// the bot finds the key's ValidatorAdded, counts the owner's ValidatorAdded events before it (its
// position = the nonce it consumed), and checks the event's own signature for that position.
import { verify as blstVerify, PublicKey as BlstPublicKey, Signature as BlstSignature } from '@chainsafe/blst';
import { ethers, type Provider } from 'ethers';
import { ssvNetworkInterface } from './abi';
import { scanLogs } from './logs';
import { ChainReadError, InvalidChainDataError } from './read-errors';
import { latestBlockNumber, ownerTopic } from './reads';
import { keysharesSignedMessage } from '../keys/keyshares-verify';
import { confirmedReadBlock } from './owner-nonce-floor';
import type { CountStart, OwnerCountCheckpoints } from './owner-count-checkpoints';

// Where a registration landed is part of the registrar's protocol (workflows read it).
export type { LandedRegistration } from '../../protocol/registrar-types';
import type { LandedRegistration } from '../../protocol/registrar-types';

/** The key's ValidatorAdded is not (yet) in the backend's logs: it lags behind (retryable). */
export class RegistrationNotFoundError extends ChainReadError {
  constructor(pubkey: string, toBlock: number) {
    super(
      `no ValidatorAdded of the SSV owner for ${pubkey} up to block ${toBlock}: the RPC backend has not reached the registration yet; checked again`,
    );
    this.name = 'RegistrationNotFoundError';
  }
}

const VALIDATOR_ADDED = (() => {
  const event = ssvNetworkInterface.getEvent('ValidatorAdded');
  if (!event) throw new Error('the bot ABI has no SSVNetwork ValidatorAdded event');
  return event;
})();

/**
 * The position of `pubkey`'s ValidatorAdded among `owner`'s (the one in `transactionHash` when
 * given, else the latest for that key), scanned from `fromBlock` to the backend's confirmed head.
 * `minBlock`: the block the registration was mined in, which the backend must have reached.
 * With `checkpoints`, the count starts at the latest one below `minBlock` (owner-count-checkpoints.ts);
 * a key not found after it (an older registration) is sought again from `fromBlock`.
 */
export async function locateRegistration(
  provider: Provider,
  ssvNetwork: string,
  owner: string,
  pubkey: string,
  opts: {
    fromBlock: number;
    maxRange: number;
    confirmations: number;
    minBlock?: number;
    transactionHash?: string;
    checkpoints?: OwnerCountCheckpoints;
  },
): Promise<LandedRegistration> {
  const toBlock = confirmedReadBlock(await latestBlockNumber(provider), opts.confirmations, opts.minBlock);
  const seek = (start: CountStart) =>
    seekRegistration(provider, ssvNetwork, owner, pubkey, { ...opts, toBlock }, start);
  let seen = opts.checkpoints
    ? await opts.checkpoints.count(toBlock, seek, opts.minBlock)
    : await seek({ fromBlock: opts.fromBlock, count: 0 });
  if (!seen.found && seen.from > opts.fromBlock) seen = await seek({ fromBlock: opts.fromBlock, count: 0 });
  const { found } = seen;
  if (!found) throw new RegistrationNotFoundError(pubkey, toBlock);
  return {
    ownerNonce: found.position,
    blockNumber: found.log.blockNumber,
    transactionHash: found.log.transactionHash,
    signatureValid: signedFor(pubkey, found.sharesData, owner, found.position),
  };
}

/** Scans the owner's ValidatorAdded from `start` to `toBlock`: the key's event and its position, and the total count. */
async function seekRegistration(
  provider: Provider,
  ssvNetwork: string,
  owner: string,
  pubkey: string,
  opts: { maxRange: number; toBlock: number; transactionHash?: string },
  start: CountStart,
) {
  const wanted = pubkey.toLowerCase();
  const wantedTx = opts.transactionHash?.toLowerCase();
  let count = start.count;
  let found: { log: ethers.Log; position: number; sharesData: string } | undefined;
  await scanLogs(
    provider,
    {
      contract: 'SSVNetwork',
      what: 'ValidatorAdded',
      address: ssvNetwork,
      topic0: [VALIDATOR_ADDED.topicHash],
      topic1: ownerTopic(owner),
    },
    { fromBlock: start.fromBlock, toBlock: opts.toBlock, maxRange: opts.maxRange },
    'forward',
    (logs) => {
      for (const log of logs) {
        const position = count++;
        if (wantedTx && log.transactionHash.toLowerCase() !== wantedTx) continue;
        let decoded: ethers.Result;
        try {
          decoded = ssvNetworkInterface.decodeEventLog(VALIDATOR_ADDED, log.data, log.topics);
        } catch (err) {
          throw new InvalidChainDataError(
            `SSVNetwork ${ssvNetwork} ValidatorAdded log ${log.transactionHash}#${log.index} does not decode`,
            { cause: err },
          );
        }
        if ((decoded.publicKey as string).toLowerCase() === wanted)
          found = { log, position, sharesData: decoded.shares as string };
      }
    },
  );
  return { found, total: count, from: start.fromBlock };
}

/** Whether sharesData's signature (its first 96 bytes) is `pubkey`'s over keccak256("<owner>:<nonce>"). */
export function signedFor(pubkey: string, sharesData: string, owner: string, nonce: number): boolean {
  try {
    const shares = ethers.getBytes(sharesData);
    const key = BlstPublicKey.fromBytes(ethers.getBytes(pubkey), true);
    const signature = BlstSignature.fromBytes(shares.subarray(0, 96), true, true);
    return blstVerify(keysharesSignedMessage(owner, nonce), key, signature);
  } catch {
    // Not even a signature: SSV nodes ignore it as well.
    return false;
  }
}
