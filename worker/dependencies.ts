// Builds the activities' dependencies from the validated configuration: the RPC provider with
// failover, the bot's one transaction manager, the mnemonic vault (when the worker may hold a salt) and the
// key-index store, and a Temporal client for the registrar hand-off.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Client } from '@temporalio/client';
import { ethers } from 'ethers';
import type { ActivityDependencies } from '../activities';
import { createChainProvider } from '../activities/chain/rpc';
import { HeadFollower, type HeadFollowerLog } from '../activities/chain/head-follower';
import { TransactionManager, type TxEvent } from '../activities/chain/tx-manager';
import { nexusVersionResolver } from '../activities/chain/nexus-version';
import { NexusVersionMismatchError } from '../activities/chain/read-errors';
import { BeaconClient } from '../activities/beacon/client';
import { genesisForkVersionOf } from '../activities/keys/deposit-data';
import { signVoluntaryExit } from '../activities/keys/voluntary-exit';
import { MnemonicVault } from '../activities/keys/mnemonic-vault';
import type { SaltSlot } from '../activities/keys/salt';
import type { DomainMetricsSink } from '../activities/metrics-sink';
import { runwayBlocksFor } from '../activities/funding/arithmetic';
import { verifySigningNetwork } from '../activities/funding/activities';
import type { RunwayPolicy } from '../activities/funding/runway-types';
import { CeremonyArchive } from '../activities/dkg/archive';
import { createDepositGuardIndexes } from '../activities/guard/activity';
import { resolveSsvDkg } from '../activities/dkg/binary';
import type { DkgDependencies } from '../activities/dkg/ceremony-activity';
import { DkgUnavailableError } from '../activities/dkg/errors';
import { ConfigError, type WorkerConfig } from './config';
import { createTxStore } from './tx-store';
import type { WriterLease } from '../activities/chain/writer-lease';
import { buildIndexStore } from './index-store';

export interface RuntimeInputs {
  client: Client;
  /** The mnemonic salt: read at start, or empty until `nexus-bot unlock` (worker/salt-lock.ts). */
  salt?: SaltSlot;
  log?: (event: TxEvent) => void;
  /** Validators created and exited (worker metrics). */
  metrics?: DomainMetricsSink;
  /** The worker's line logger: how the chain watcher follows new blocks, and when that falls back to polling. */
  logger?: HeadFollowerLog;
}

/** The activities' dependencies, and the chain-writer lease the writer Worker is gated on (shared store only). */
export type BuiltDependencies = ActivityDependencies & { writerLease?: WriterLease };

export async function buildActivityDependencies(
  config: WorkerConfig,
  inputs: RuntimeInputs,
): Promise<BuiltDependencies> {
  const base: ActivityDependencies = {
    workerName: config.workerName,
    registrar: { client: inputs.client, taskQueue: config.temporal.taskQueue },
  };
  if (!config.chain) return base;
  const { chain, contracts, transactions } = config;
  if (!contracts)
    throw new ConfigError('invalid config:\n  contracts: expected the contract addresses when chain is set');
  if (!transactions)
    throw new ConfigError(
      'invalid config:\n  transactions: expected the transaction settings (at least journalFile) when chain is set',
    );
  if (!config.botKeyFile)
    throw new ConfigError(
      'invalid config:\n  botKeyFile: expected the path of a file holding the bot key when chain is set',
    );

  const { provider } = await createChainProvider({ urls: chain.rpcUrls, chainId: chain.chainId });
  const signer = new ethers.Wallet(readBotKey(config.botKeyFile), provider);
  const txStore = createTxStore(config, signer.address);
  // Shared store: the lease is taken only by the writer-role Worker's gate (worker/writer-gate.ts);
  // without it this process's sends are refused (WriterFenced, retryable).
  const txManager = new TransactionManager({
    provider,
    signer,
    chainId: chain.chainId,
    maxFeePerGasCeiling: ethers.parseUnits(String(transactions.maxFeePerGasGwei), 'gwei'),
    maxPriorityFeePerGas: ethers.parseUnits(String(transactions.maxPriorityFeePerGasGwei), 'gwei'),
    confirmations: transactions.confirmations,
    stuckAfterMs: transactions.stuckAfterSeconds * 1000,
    feeBumpPercent: transactions.feeBumpPercent,
    maxFeeBumps: transactions.maxFeeBumps,
    journal: txStore.journal,
    nonceStore: txStore.nonceStore,
    log: inputs.log,
    dryRun: config.dryRun,
  });

  let vault: MnemonicVault | undefined;
  if (inputs.salt) {
    if (!config.aws)
      throw new ConfigError(
        'invalid config:\n  aws: expected region (and endpoint) for the mnemonic vault when a salt is given',
      );
    vault = new MnemonicVault(
      new SecretsManagerClient({ region: config.aws.region, endpoint: config.aws.endpoint }),
      inputs.salt,
    );
  }
  const indexStore = await buildIndexStore(config);

  const genesisForkVersion = await genesisForkVersionOf(config.keys.depositNetwork);
  // The beacon node must be on the network the deposits were signed for (and, when configured,
  // have exactly its genesis validators root): the bot never signs an exit for another network.
  const beacon =
    config.beacon &&
    new BeaconClient({
      urls: config.beacon.urls,
      timeoutMs: config.beacon.timeoutSeconds * 1000,
      expected: {
        genesisForkVersion: `0x${Buffer.from(genesisForkVersion).toString('hex')}`,
        genesisValidatorsRoot: config.beacon.genesisValidatorsRoot?.toLowerCase(),
      },
    });

  // Refuse to start when the deposits would be signed for another network than the connected chain
  // and beacon node (SigningNetworkMismatchError: the worker exits with that one line).
  const signingForkVersion = `0x${Buffer.from(genesisForkVersion).toString('hex')}`;
  const network = {
    depositNetwork: config.keys.depositNetwork,
    signingForkVersion,
    chainForkVersions: config.keys.chainForkVersions,
    // No expectations of its own: the check compares and names both values itself.
    beacon:
      config.beacon && new BeaconClient({ urls: config.beacon.urls, timeoutMs: config.beacon.timeoutSeconds * 1000 }),
  };
  await verifySigningNetwork({ network }, chain.chainId);
  // Resolved once per process. A configured version the contract contradicts, or an SSVNetwork
  // that is not the one Nexus calls, stops the start; an RPC outage only defers the detection.
  const nexusVersion = nexusVersionResolver({
    provider,
    nexus: contracts.nexus,
    ssvNetwork: contracts.ssvNetwork,
    setting: chain.nexusVersion,
  });
  try {
    await nexusVersion();
  } catch (err) {
    if (err instanceof NexusVersionMismatchError)
      throw new ConfigError(`invalid config:\n  chain.nexusVersion / contracts.ssvNetwork: ${err.message}`);
  }

  const dkgSetup = buildDkgDependencies(config, {
    provider,
    contracts: { nexus: contracts.nexus, nodeOperator: contracts.nodeOperator, ssvNetwork: contracts.ssvNetwork },
    scan: { fromBlock: chain.ssvFromBlock, maxRange: chain.logMaxRange },
    genesisForkVersion,
  });

  // One pair of log indexes per worker process, persisted in its state folder (README: what they cost).
  const guardIndexes = createDepositGuardIndexes({
    provider,
    contracts: { depositContract: contracts.depositContract, ssvNetwork: contracts.ssvNetwork },
    depositContractFromBlock: config.depositGuard.depositContractFromBlock,
    ssvFromBlock: chain.ssvFromBlock,
    maxRange: chain.logMaxRange,
    reorgBlocks: config.depositGuard.reorgBlocks,
    folder:
      config.depositGuard.indexDir ?? join(defaultStateDir(config.workerName), 'deposit-guard', String(chain.chainId)),
  });

  // Last, after every check that can refuse the start: it opens the websocket (in the background:
  // an unreachable endpoint is a WARN and polling, never a failed start).
  const heads = new HeadFollower({
    provider,
    chainId: chain.chainId,
    wsUrl: chain.wsUrl,
    pollIntervalMs: chain.headPollIntervalMs,
    log: inputs.logger ?? consoleLog,
  });
  heads.start();

  return {
    ...base,
    ...dkgSetup,
    heads,
    ...(txStore.lease ? { writerLease: txStore.lease } : {}),
    depositGuard: {
      provider,
      contracts: { nexus: contracts.nexus },
      depositNetwork: config.keys.depositNetwork,
      genesisForkVersion,
      beacon,
      ...guardIndexes,
      acceptOwnGenesisValidators: config.depositGuard.acceptOwnGenesisValidators,
      metrics: inputs.metrics,
    },
    exits: beacon && {
      nexusVersion,
      provider,
      txManager,
      beacon,
      signExit: signVoluntaryExit,
      vault,
      indexStore,
      contracts: { nexus: contracts.nexus, ssvNetwork: contracts.ssvNetwork },
      ssvFromBlock: chain.ssvFromBlock,
      logMaxRange: chain.logMaxRange,
      metrics: inputs.metrics,
      dryRun: config.dryRun,
    },
    runway: {
      provider,
      txManager,
      contracts: {
        nexus: contracts.nexus,
        nodeOperator: contracts.nodeOperator,
        ssvNetwork: contracts.ssvNetwork,
        ssvToken: contracts.ssvToken,
        ssvNetworkViews: contracts.ssvNetworkViews,
      },
      scan: { fromBlock: chain.ssvFromBlock, maxRange: chain.logMaxRange },
      policy: runwayPolicy(config),
      metrics: inputs.metrics,
      dryRun: config.dryRun,
    },
    creation: {
      provider,
      txManager,
      contracts: {
        nexus: contracts.nexus,
        nodeOperator: contracts.nodeOperator,
        ssvNetwork: contracts.ssvNetwork,
        ssvToken: contracts.ssvToken,
        ssvNetworkViews: contracts.ssvNetworkViews,
      },
      ssvFromBlock: chain.ssvFromBlock,
      logMaxRange: chain.logMaxRange,
      // The owner nonce is read as deep as transactions are confirmed (issue 13, item 3).
      confirmations: transactions.confirmations,
      genesisForkVersion,
      funding: {
        runwayBlocks: runwayBlocksFor(config.ssv.runwayDays, chain.blockTimeSeconds),
        safetyMarginBlocks: BigInt(config.ssv.safetyMarginBlocks),
      },
      network,
      vault,
      indexStore,
      metrics: inputs.metrics,
      dryRun: config.dryRun,
      pipelineDepth: transactions.pipelineDepth,
    },
  };
}

/** Head-follower lines when no logger was given (tests that build dependencies without observability). */
const consoleLog: HeadFollowerLog = {
  info: (message, fields) => console.log(message, JSON.stringify(fields ?? {})),
  warn: (message, fields) => console.warn(message, JSON.stringify(fields ?? {})),
};

/** The runway section in blocks and wei (days at chain.blockTimeSeconds). */
export function runwayPolicy(config: WorkerConfig): RunwayPolicy {
  const blockTimeSeconds = config.chain?.blockTimeSeconds ?? 12;
  const blocks = (days: number) => runwayBlocksFor(days, blockTimeSeconds).toString();
  return {
    topUpBelowBlocks: blocks(config.runway.topUpBelowDays),
    topUpToBlocks: blocks(config.runway.topUpToDays),
    alertBelowBlocks: blocks(config.runway.alertBelowDays),
    budgetWei: ethers.parseEther(config.runway.budgetSsv).toString(),
    budgetPeriodMs: config.runway.budgetPeriodDays * 86_400_000,
    blockTimeSeconds,
  };
}

/** The key file holds one 0x-hex private key; its content never appears in an error. */
function readBotKey(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(
      `invalid config:\n  botKeyFile: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(text))
    throw new ConfigError(`invalid config:\n  botKeyFile: ${path} does not hold a 32-byte hex private key`);
  return text.startsWith('0x') ? text : `0x${text}`;
}

/** The worker's own state folder (archive and work dirs default under it). */
export function defaultStateDir(workerName: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'nexus-bot', workerName);
}

/**
 * DKG: the real ceremony activities when an ssv-dkg binary resolves (dkg.binary,
 * NEXUS_BOT_SSV_DKG, the tool cache), else the reason, once, for the DkgUnavailable stand-in. The
 * archive is there either way (markDkgCeremony). Unreadable CA files stop the start.
 */
export function buildDkgDependencies(
  config: WorkerConfig,
  chain: Pick<DkgDependencies, 'provider' | 'contracts' | 'scan' | 'genesisForkVersion'>,
  env: NodeJS.ProcessEnv = process.env,
): { dkg?: DkgDependencies; dkgUnavailable?: string; dkgArchive: CeremonyArchive } {
  const stateDir = defaultStateDir(config.workerName, env);
  const archive = new CeremonyArchive(config.dkg.archiveDir ?? join(stateDir, 'dkg', 'archive'));
  let binary;
  try {
    binary = resolveSsvDkg({ configured: config.dkg.binary, env });
  } catch (err) {
    if (err instanceof DkgUnavailableError && config.dkg.binary === undefined)
      return { dkgUnavailable: err.message, dkgArchive: archive };
    if (err instanceof DkgUnavailableError) throw new ConfigError(`invalid config:\n  dkg.binary: ${err.message}`);
    throw err;
  }
  const operatorCaPems: Record<number, string> = {};
  for (const [id, file] of Object.entries(config.dkg.operatorCaFiles ?? {})) {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `invalid config:\n  dkg.operatorCaFiles.${id}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----'))
      throw new ConfigError(`invalid config:\n  dkg.operatorCaFiles.${id}: ${file} holds no PEM certificate`);
    operatorCaPems[Number(id)] = pem;
  }
  return {
    dkgArchive: archive,
    dkg: {
      ...chain,
      network: config.dkg.network ?? config.keys.depositNetwork,
      binary,
      operatorCaPems,
      workDir: config.dkg.workDir ?? join(stateDir, 'dkg', 'work'),
      archive,
      timeout: config.dkg.ceremonyTimeout,
    },
  };
}
