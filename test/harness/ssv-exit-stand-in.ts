// Stand-in for the SSV operators' exit duty, for tests of the DKG exit path on the real parts. On
// mainnet, SSVNetwork's ValidatorExited event makes the cluster's operators sign the validator's
// VoluntaryExit together (threshold signature over their shares) and broadcast it. The SSV node
// cannot be installed here, so this loop watches the same event on our SSVNetwork and signs as the
// operators do: a partial signature with each of t shares (those the ssv-dkg stand-in's operators
// keep), combined by Lagrange interpolation; the whole key is never rebuilt. Keys made another way
// (the test holds the whole key) are signed with it directly. It talks to the beacon node
// directly, never through the bot's recorder, so the bot's own broadcasts stay countable.
import { ethers } from 'ethers';
import { BeaconClient } from '../../activities/beacon/client';
import { SSV_NETWORK_V1_ABI } from '../../activities/chain/abi';
import { signVoluntaryExit, type SignedVoluntaryExitJson } from '../../activities/keys/voluntary-exit';
import { thresholdFor } from '../../activities/keys/keyshares-verify';
import { combinePartialSignatures, type OperatorShare } from './threshold-signing';

export interface OperatorExit {
  pubkey: string;
  operatorIds: number[];
  /** What the beacon node answered to the exit the stand-in signed. */
  outcome: string;
}

export interface SsvExitStandIn {
  exits(): OperatorExit[];
  stop(): Promise<void>;
}

export function startSsvExitStandIn(opts: {
  provider: ethers.Provider;
  ssvNetwork: string;
  /** The validators' owner in SSV (Nexus). */
  owner: string;
  beaconUrl: string;
  /** Secret key of each validator the operators run, by lower-case 0x pubkey (keys the test made). */
  secretKeys?: Map<string, Uint8Array>;
  /** The operators' shares by lower-case 0x pubkey (DKG keys), read again at each event. */
  shares?: () => Map<string, OperatorShare[]>;
  intervalMs?: number;
}): SsvExitStandIn {
  const ssv = new ethers.Contract(opts.ssvNetwork, SSV_NETWORK_V1_ABI, opts.provider);
  const beacon = new BeaconClient({ urls: [opts.beaconUrl] });
  const done: OperatorExit[] = [];
  let fromBlock = 0;
  let stopped = false;

  const once = async () => {
    const head = await opts.provider.getBlockNumber();
    if (head < fromBlock) return;
    const events = (await ssv.queryFilter(
      ssv.filters.ValidatorExited(opts.owner),
      fromBlock,
      head,
    )) as ethers.EventLog[];
    fromBlock = head + 1;
    for (const event of events) {
      const pubkey = (event.args.publicKey as string).toLowerCase();
      const operatorIds = (event.args.operatorIds as bigint[]).map(Number);
      const secretKey = opts.secretKeys?.get(pubkey);
      const shares = (opts.shares?.().get(pubkey) ?? []).filter((share) => operatorIds.includes(share.operatorId));
      if (!secretKey && shares.length < thresholdFor(operatorIds.length)) {
        done.push({
          pubkey,
          operatorIds,
          outcome: shares.length
            ? `only ${shares.length} shares of operators ${operatorIds.join(',')}`
            : 'not one of our validators',
        });
        continue;
      }
      const chain = await beacon.getChainInfo();
      const [validator] = (await beacon.getValidators([pubkey])).values();
      const sign = (key: Uint8Array) =>
        signVoluntaryExit({
          secretKey: key,
          validatorIndex: validator.index,
          epoch: chain.currentEpoch,
          forkSchedule: chain.forkSchedule,
          genesisValidatorsRoot: chain.genesisValidatorsRoot,
        });
      let signed: SignedVoluntaryExitJson;
      if (secretKey) {
        signed = await sign(secretKey);
      } else {
        const quorum = shares.slice(0, thresholdFor(operatorIds.length));
        const partials = await Promise.all(
          quorum.map(async (share) => ({ operatorId: share.operatorId, signed: await sign(share.secret) })),
        );
        const signature = combinePartialSignatures(
          partials.map((p) => ({
            operatorId: p.operatorId,
            signature: Buffer.from(p.signed.signature.slice(2), 'hex'),
          })),
        );
        signed = { message: partials[0].signed.message, signature: `0x${Buffer.from(signature).toString('hex')}` };
      }
      const answer = await beacon.submitVoluntaryExit(signed).then(
        (r) => r.outcome,
        (err: Error) => `${err.name}: ${err.message}`,
      );
      done.push({ pubkey, operatorIds, outcome: answer });
    }
  };

  const loop = (async () => {
    while (!stopped) {
      await once().catch((err: Error) =>
        done.push({ pubkey: '', operatorIds: [], outcome: `stand-in error: ${err.message}` }),
      );
      await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 500));
    }
  })();

  return {
    exits: () => done.map((e) => ({ ...e })),
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
