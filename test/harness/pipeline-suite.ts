// The set-up the pipelined-registration suites share (issue 15, item 1): anvil at 1-s blocks with
// our contracts, operator and network fees on (a registration's snapshot depends on the block the
// one before it lands in), one rollup on cluster 1..4 with `keys` mnemonic keys deposited and
// waiting for their keyshares (key index i → pubkeys[i]), the mnemonic in Secrets Manager (moto),
// and the bot's RPC through a proxy that can hook, hold or refuse its broadcasts. Call it inside a
// mocha `describe`: it registers the hooks and returns the suite, filled in by its `before`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ethers } from 'ethers';
import { deriveSigningKeys, wipeKeys } from '../../activities/keys/derivation';
import { generateMnemonic } from '../../activities/keys/mnemonic-vault';
import type { NexusSystem, RegisteredRollup } from '../../contracts/deploy';
import { startAnvil } from '../../localnet/services/anvil';
import { startMoto } from '../../localnet/services/moto';
import { ETH, wallet } from '../contracts/helpers';
import { localProvider } from './local-provider';
import { generateOperators } from '../fixtures/keyshares/material';
import { startLaggingRpcProxy, type LaggingRpcProxy } from './lagging-rpc-proxy';
import { journalPathOf, pipelineBatchWorker, vaultFor, type PipelineBatchConfig } from './pipeline-batch';
import { pipelineChecks, poolPending } from './pipeline-checks';
import { deployRegistrationRollup, depositKeys } from './registration-rollup';
import { useService } from './service';

export const PIPELINE_CHAIN_ID = 31337;
export const CLUSTER_IDS = [1, 2, 3, 4];
const OPERATOR_FEE_WEI = 382_640_000_000n; // per validator per block, a multiple of 1e7 as SSV requires
const SALT = 'pipeline-test-salt-41c9'; // a test salt, not a secret

export function usePipelineSuite(name: string, keys: number) {
  const anvil = useService('anvil', () => startAnvil({ chainId: PIPELINE_CHAIN_ID, blockTime: 1 }));
  const moto = useService('moto', () => startMoto());
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const cleanup: (() => Promise<void>)[] = [];
  const state = {
    operators: generateOperators(CLUSTER_IDS),
    dir,
    pubkeys: [] as string[],
    mnemonic: '',
    provider: undefined as unknown as ethers.JsonRpcProvider,
    /** The bot's RPC: a hook before a broadcast, held or refused broadcasts. */
    writes: undefined as unknown as LaggingRpcProxy,
    system: undefined as unknown as NexusSystem,
    rollup: undefined as unknown as RegisteredRollup,
    deployBlock: 0,
    anvilUrl: () => anvil().rpcUrl,
  };
  function config(
    pipelineDepth: number,
    rpcUrl = state.writes.url,
    unknownDroppedAfterMs?: number,
  ): PipelineBatchConfig {
    const a = state.system.addresses;
    return {
      rpcUrl,
      chainId: PIPELINE_CHAIN_ID,
      botKey: wallet(state.provider, 1).privateKey,
      deployBlock: state.deployBlock,
      dir,
      motoEndpoint: moto().endpoint,
      salt: SALT,
      pipelineDepth,
      unknownDroppedAfterMs,
      addresses: {
        nexus: a.nexus,
        nodeOperator: a.nodeOperator,
        ssvNetwork: a.ssvNetwork,
        ssvToken: a.ssvToken,
        ssvNetworkViews: a.ssvNetworkViews,
      },
    };
  }

  const suite = Object.assign(state, {
    config,
    /** The creation activities of a worker process on the suite's journal, stopped after the suite. */
    startWorker(depth: number, unknownDroppedAfterMs?: number) {
      const w = pipelineBatchWorker(config(depth, state.writes.url, unknownDroppedAfterMs));
      cleanup.push(w.destroy);
      return w;
    },
    /** A mnemonic registration batch of these key indices. */
    input: (indices: number[]) => ({
      rollupAdmin: state.rollup.rollupAdmin,
      operatorCluster: 1,
      keys: indices.map((i) => ({ pubkey: state.pubkeys[i], keyIndex: i })),
    }),
    pending: () => poolPending(state.provider),
    ...pipelineChecks(() => ({
      provider: state.provider,
      system: state.system,
      deployBlock: state.deployBlock,
      bot: wallet(state.provider, 1).address,
      journalPath: journalPathOf(dir),
      pubkeys: state.pubkeys,
    })),
  });

  before(async function () {
    this.timeout(300_000);
    suite.provider = localProvider(anvil().rpcUrl, PIPELINE_CHAIN_ID);
    const setup = await deployRegistrationRollup(suite.provider, {
      name: `rollup-${name}`,
      funding: BigInt(keys + 1) * 32n * ETH, // 32 ETH a key, and one to spare
      operators: suite.operators,
      clusterIds: CLUSTER_IDS,
      fees: { operatorFeeWei: OPERATOR_FEE_WEI },
    });
    ({ system: suite.system, rollup: suite.rollup, deployBlock: suite.deployBlock } = setup);
    suite.mnemonic = generateMnemonic();
    await vaultFor({ motoEndpoint: moto().endpoint, salt: SALT }).createMnemonic(suite.rollup.rollupAdmin, {
      mnemonic: suite.mnemonic,
    });
    const derived = await deriveSigningKeys(
      suite.mnemonic,
      Array.from({ length: keys }, (_, i) => i),
    );
    try {
      suite.pubkeys.push(
        ...(await depositKeys(
          setup,
          derived.map((k) => k.secretKey),
          11,
        )),
      );
    } finally {
      wipeKeys(derived);
    }
    suite.writes = await startLaggingRpcProxy(anvil().rpcUrl);
  });

  // A failed test must not leave a hook armed, broadcasts held or refused for the next one.
  afterEach(() => {
    if (!suite.writes) return;
    suite.writes.beforeSend = suite.writes.holdSends = undefined;
    suite.writes.refused.clear();
    suite.writes.refuseWhen = undefined;
  });

  after(async () => {
    for (const c of cleanup) await c();
    suite.provider?.destroy();
    await suite.writes?.close();
  });

  return suite;
}
