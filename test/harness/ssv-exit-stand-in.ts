// Stand-in for the SSV operators' exit duty, for tests of the DKG exit path on the real parts. On
// mainnet, SSVNetwork's ValidatorExited event makes the cluster's operators sign the validator's
// VoluntaryExit together (threshold signature over their shares) and broadcast it. ssv-dkg and the
// SSV node cannot be installed here, so this loop watches the same event on our SSVNetwork and
// signs with the whole key, which the test holds (it made the key). It talks to the beacon node
// directly, never through the bot's recorder, so the bot's own broadcasts stay countable.
import { ethers } from 'ethers';
import { BeaconClient } from '../../activities/beacon/client';
import { SSV_NETWORK_V1_ABI } from '../../activities/chain/abi';
import { signVoluntaryExit } from '../../activities/keys/voluntary-exit';

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
  /** Secret key of each validator the operators run, by lower-case 0x pubkey. */
  secretKeys: Map<string, Uint8Array>;
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
    const events = (await ssv.queryFilter(ssv.filters.ValidatorExited(opts.owner), fromBlock, head)) as ethers.EventLog[];
    fromBlock = head + 1;
    for (const event of events) {
      const pubkey = (event.args.publicKey as string).toLowerCase();
      const operatorIds = (event.args.operatorIds as bigint[]).map(Number);
      const secretKey = opts.secretKeys.get(pubkey);
      if (!secretKey) {
        done.push({ pubkey, operatorIds, outcome: 'not one of our validators' });
        continue;
      }
      const chain = await beacon.getChainInfo();
      const [validator] = (await beacon.getValidators([pubkey])).values();
      const signed = await signVoluntaryExit({
        secretKey, validatorIndex: validator.index, epoch: chain.currentEpoch, forkSchedule: chain.forkSchedule, genesisValidatorsRoot: chain.genesisValidatorsRoot,
      });
      const answer = await beacon.submitVoluntaryExit(signed).then((r) => r.outcome, (err: Error) => `${err.name}: ${err.message}`);
      done.push({ pubkey, operatorIds, outcome: answer });
    }
  };

  const loop = (async () => {
    while (!stopped) {
      await once().catch((err: Error) => done.push({ pubkey: '', operatorIds: [], outcome: `stand-in error: ${err.message}` }));
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
