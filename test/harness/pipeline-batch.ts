// The creation activities of a worker process as the pipelined-registration tests build them: a
// read provider and a transaction manager on a journal file, the mnemonic in Secrets Manager
// (moto). Shared by the test (in process) and pipeline-batch-child.ts (a process it SIGKILLs).
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ethers } from 'ethers';
import { createCreationActivities } from '../../activities/creation-activities';
import { TransactionManager } from '../../activities/chain/tx-manager';
import { FileTxJournal } from '../../activities/chain/tx-journal-file';
import { IndexStateStore } from '../../activities/keys/index-state';
import { MnemonicVault } from '../../activities/keys/mnemonic-vault';
import { SaltHolder } from '../../activities/keys/salt';
import { MOTO_CREDENTIALS, MOTO_REGION } from '../../localnet/services/moto';
import { localProvider } from './local-provider';
import { localCreationDeps } from './creation-deps';

/** Everything a process needs to build the activities (JSON: handed to the child in its environment). */
export interface PipelineBatchConfig {
  rpcUrl: string;
  chainId: number;
  /** The bot account's private key (a well-known anvil test key). */
  botKey: string;
  addresses: { nexus: string; nodeOperator: string; ssvNetwork: string; ssvToken: string; ssvNetworkViews: string };
  deployBlock: number;
  dir: string;
  motoEndpoint: string;
  /** A test salt, never a real one. */
  salt: string;
  pipelineDepth: number;
  /** How long the manager waits for a transaction the node forgot (after one rebroadcast) before it is dropped; the manager's default when absent. */
  unknownDroppedAfterMs?: number;
}

export function vaultFor(cfg: Pick<PipelineBatchConfig, 'motoEndpoint' | 'salt'>): MnemonicVault {
  const sm = new SecretsManagerClient({
    endpoint: cfg.motoEndpoint,
    region: MOTO_REGION,
    credentials: MOTO_CREDENTIALS,
  });
  return new MnemonicVault(sm, new SaltHolder(cfg.salt));
}

export const journalPathOf = (dir: string) => join(dir, 'tx-journal.jsonl');

export function pipelineBatchWorker(cfg: PipelineBatchConfig) {
  const provider = localProvider(cfg.rpcUrl, cfg.chainId);
  const journal = new FileTxJournal(journalPathOf(cfg.dir));
  const txManager = new TransactionManager({
    provider,
    signer: new ethers.Wallet(cfg.botKey, provider),
    chainId: cfg.chainId,
    maxFeePerGasCeiling: ethers.parseUnits('500', 'gwei'),
    maxPriorityFeePerGas: ethers.parseUnits('1', 'gwei'),
    confirmations: 1,
    stuckAfterMs: 60_000,
    feeBumpPercent: 10,
    maxFeeBumps: 3,
    pollIntervalMs: 50,
    unknownDroppedAfterMs: cfg.unknownDroppedAfterMs,
    journal,
  });
  const activities = createCreationActivities({
    ...localCreationDeps({ provider, txManager, addresses: cfg.addresses, deployBlock: cfg.deployBlock }),
    vault: vaultFor(cfg),
    indexStore: new IndexStateStore({ folder: join(cfg.dir, 'index'), createFolder: true }),
    pipelineDepth: cfg.pipelineDepth,
  });
  // The journal's file handle is closed here: left to the garbage collector, Node warns (DEP0137).
  const destroy = async () => {
    await journal.close();
    provider.destroy();
  };
  return { activities, txManager, destroy };
}
