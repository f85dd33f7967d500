// A creation network on the real parts, for integration tests and benchmarks: Temporal dev
// server, anvil with our contracts (4 SSV operators in cluster 1), moto holding each rollup's
// encrypted mnemonic, and the worker as its own process with the salt on standard input.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, Connection } from '@temporalio/client';
import { ethers } from 'ethers';
import { MnemonicVault, generateMnemonic } from '../../activities/keys/mnemonic-vault';
import { SaltHolder } from '../../activities/keys/salt';
import { KNOWN_CHAIN_FORK_VERSIONS } from '../../activities/chain/signing-network';
import {
  addCluster,
  deployNexusSystem,
  registerOperator,
  registerRollup,
  type BridgeKind,
  type NexusSystem,
  type NexusVersion,
  type SsvParameters,
} from '../../contracts/deploy';
import { ANVIL_DEV_MNEMONIC, startAnvil, type Anvil } from '../../localnet/services/anvil';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../../localnet/services/moto';
import { stopAll, type ServiceProcess } from '../../localnet/services/process';
import { startTemporalDevServer, type TemporalDevServer } from '../../localnet/services/temporal';
import { startWorkerProcess } from '../../localnet/services/worker';
import { startBeaconNode, type BeaconNode } from '../../localnet/services/beacon-node';
import { startWithdrawalStandIn, type WithdrawalStandIn } from '../../localnet/services/withdrawal-stand-in';
import { generateOperators, type TestOperator } from '../fixtures/keyshares/material';
import { startBeaconRecorder, type BeaconRecorder } from './beacon-recorder';
import { startTestDkgOperators, type TestDkgOperators } from './dkg-operators';

export const ETH = 10n ** 18n;

export interface RollupSpec {
  /** anvil dev account index of the rollup admin (2 and up: 0 deploys, 1 is the bot). */
  account: number;
  name: string;
  funding: bigint;
  limit: number;
  /** NodeOperator cluster; default 1 (operators 1-4). */
  operatorCluster?: number;
  /** Store the rollup's mnemonic in Secrets Manager; default true. */
  createMnemonic?: boolean;
}

export interface CreationNetworkOptions {
  rollups: RollupSpec[];
  /** The public Nexus version the contracts follow; default v2024-06. */
  nexusVersion?: NexusVersion;
  /** Every rollup's bridge kind; default DAO. */
  bridgeKind?: BridgeKind;
  /** SSV tokens minted to Nexus at deployment; default deployNexusSystem's (1,000,000 SSV). */
  nexusSsvBalance?: bigint;
  /** SSVNetwork fee and liquidation parameters; default deployNexusSystem's. */
  ssv?: SsvParameters;
  /** anvil block time in seconds; automine when absent. */
  blockTime?: number;
  /** The worker's transactions.pipelineDepth; its default when absent. */
  pipelineDepth?: number;
  /**
   * Run the cluster's four ssv-dkg operators (real binary or stand-in: test/harness/dkg-operators.ts),
   * register them with their endpoints, and configure the worker for DKG ceremonies. `workerDkg`
   * is merged into the worker's `dkg` section (e.g. a ceremony timeout).
   */
  dkg?: { workerDkg?: Record<string, unknown>; pace?: 'fast' | 'measured' };
  taskQueue?: string;
  /** Keep Temporal's state in a SQLite file, so that `restartTemporal` brings it back as it was. */
  temporalDbFile?: boolean;
  /** Runs after cluster 1 exists and before the rollups are registered (more operators, clusters). */
  prepareChain?: (system: NexusSystem) => Promise<void>;
  /**
   * A Lodestar beacon chain whose genesis holds the first `keysPerRollup` mnemonic keys of every
   * rollup (withdrawing to its bridge), the worker configured for it, and the withdrawal stand-in
   * paying each withdrawable validator's 32 ETH back to its bridge.
   */
  beacon?: {
    keysPerRollup: number;
    secondsPerSlot?: number;
    minValidatorWithdrawabilityDelay?: number;
    /** Block producers besides the rollups' keys (default 4 × those keys), and how long the node may take to come up. */
    interopValidators?: number;
    readyTimeoutMs?: number;
    /** Put a recording proxy between the worker and the node (`beaconRecorder`): counts the exits the bot broadcast. */
    recordExits?: boolean;
  };
}

export interface CreationNetwork {
  dir: string;
  temporal: TemporalDevServer;
  anvil: Anvil;
  provider: ethers.JsonRpcProvider;
  system: NexusSystem;
  client: Client;
  vault: MnemonicVault;
  salt: string;
  botKey: string;
  operators: TestOperator[];
  /** The running ssv-dkg operators (with `dkg`). */
  dkgOperators?: TestDkgOperators;
  taskQueue: string;
  rollups: { admin: string; bridge: string; limit: number; funding: bigint }[];
  workerLog: string;
  beacon?: BeaconNode;
  standIn?: WithdrawalStandIn;
  beaconRecorder?: BeaconRecorder;
  /**
   * Starts (or restarts) the worker process; the previous one must be stopped first. `config`
   * replaces top-level sections of the worker configuration for this start (e.g. a wrong beacon).
   * `salt: null` starts it without the salt (nothing on standard input; set keys.saltFromStdin false).
   */
  startWorker(opts?: { salt?: string | null; config?: Record<string, unknown> }): Promise<ServiceProcess>;
  /** Writes a worker configuration file (the same as startWorker's, `config` replacing sections) for a worker started by hand. */
  writeWorkerConfig(config?: Record<string, unknown>): string;
  /** The worker configuration every start begins from (sections to copy into a `config` override). */
  workerConfig: Readonly<Record<string, unknown>>;
  /** The environment a worker started by hand needs (moto credentials). */
  workerEnv: NodeJS.ProcessEnv;
  /**
   * Stops the Temporal dev server (SIGTERM) and starts it again on the same port and SQLite file
   * (needs `temporalDbFile`); `net.temporal` is the new one afterwards. `whileDown` runs in between.
   */
  restartTemporal(whileDown?: () => Promise<void>): Promise<TemporalDevServer>;
  stop(): Promise<void>;
}

export const devWallet = (i: number, provider: ethers.Provider) =>
  ethers.HDNodeWallet.fromPhrase(ANVIL_DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);

export async function startCreationNetwork(opts: CreationNetworkOptions): Promise<CreationNetwork> {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-creation-'));
  const services: ServiceProcess[] = [];
  const taskQueue = opts.taskQueue ?? 'nexus-bot-creation';
  const salt = randomBytes(24).toString('base64');
  const temporalDbFile = opts.temporalDbFile ? join(dir, 'temporal.db') : undefined;
  const started = await Promise.allSettled([
    startTemporalDevServer({ dbFile: temporalDbFile }),
    startAnvil({ blockTime: opts.blockTime }),
    startMoto(),
  ]);
  for (const r of started) if (r.status === 'fulfilled') services.push(r.value);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopAll(services);
    throw failed.reason;
  }
  const [temporal, anvil, moto] = started.map((r) => (r as PromiseFulfilledResult<ServiceProcess>).value) as [
    TemporalDevServer,
    Anvil,
    Awaited<ReturnType<typeof startMoto>>,
  ];
  // Whatever fails from here on, the servers started above are stopped (by PID) before rethrowing.
  let standInStop: (() => Promise<void>) | undefined;
  let beaconRecorder: BeaconRecorder | undefined;
  let dkgOperators: TestDkgOperators | undefined;
  try {
    const provider = new ethers.JsonRpcProvider(anvil.rpcUrl, anvil.chainId, {
      staticNetwork: true,
      pollingInterval: 100,
      cacheTimeout: -1,
    });
    const bot = devWallet(1, provider);
    const system = await deployNexusSystem(devWallet(0, provider), {
      bot: bot.address,
      nexusVersion: opts.nexusVersion,
      nexusSsvBalance: opts.nexusSsvBalance,
      ssv: opts.ssv,
    });
    let operators: TestOperator[];
    let dkgPorts = new Map<number, number>();
    if (opts.dkg) {
      dkgOperators = await startTestDkgOperators(join(dir, 'dkg-operators'), {
        ethEndpointURL: anvil.rpcUrl,
        logDir: dir,
      });
      operators = dkgOperators.keys;
      dkgPorts = new Map(dkgOperators.running.map((op) => [op.operatorId, op.port]));
    } else {
      operators = generateOperators([1, 2, 3, 4]);
    }
    for (const op of operators)
      await registerOperator(system, {
        publicKey: op.publicKeyBase64,
        dkgPort: dkgPorts.get(op.id) ?? 3030 + op.id,
        name: `op-${op.id}`,
      });
    await addCluster(system, 1, [1, 2, 3, 4]);
    await opts.prepareChain?.(system);

    const sm = new SecretsManagerClient({
      endpoint: moto.endpoint,
      region: MOTO_REGION,
      credentials: MOTO_CREDENTIALS,
    });
    const vault = new MnemonicVault(sm, new SaltHolder(salt));
    const rollups: CreationNetwork['rollups'] = [];
    const keyGroups: { mnemonic: string; indices: number[]; withdrawalAddress: string }[] = [];
    for (const r of opts.rollups) {
      const registered = await registerRollup(system, {
        rollupAdmin: devWallet(r.account, provider),
        name: r.name,
        operatorCluster: r.operatorCluster ?? 1,
        stakingLimit: r.limit,
        funding: r.funding,
        bridgeKind: opts.bridgeKind,
      });
      if (r.createMnemonic !== false) {
        const mnemonic = generateMnemonic();
        await vault.createMnemonic(registered.rollupAdmin, { mnemonic });
        if (opts.beacon)
          keyGroups.push({
            mnemonic,
            indices: Array.from({ length: opts.beacon.keysPerRollup }, (_, i) => i),
            withdrawalAddress: registered.bridgeAddress,
          });
      }
      rollups.push({
        admin: registered.rollupAdmin,
        bridge: registered.bridgeAddress,
        limit: r.limit,
        funding: r.funding,
      });
    }

    let beacon: BeaconNode | undefined;
    let standIn: WithdrawalStandIn | undefined;
    if (opts.beacon) {
      beacon = await startBeaconNode({
        dataDir: join(dir, 'beacon'),
        keyGroups,
        logFile: join(dir, 'beacon.log'),
        secondsPerSlot: opts.beacon.secondsPerSlot ?? 1,
        minValidatorWithdrawabilityDelay: opts.beacon.minValidatorWithdrawabilityDelay ?? 1,
        ...(opts.beacon.interopValidators !== undefined ? { interopValidators: opts.beacon.interopValidators } : {}),
        ...(opts.beacon.readyTimeoutMs !== undefined ? { readyTimeoutMs: opts.beacon.readyTimeoutMs } : {}),
      });
      services.push(beacon);
      standIn = await startWithdrawalStandIn({
        beaconUrl: beacon.url,
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        bridges: rollups.map((r) => r.bridge),
        stateFile: join(dir, 'stand-in.json'),
        intervalMs: 1000,
        log: (line) => appendFileSync(join(dir, 'stand-in.log'), `${line}\n`),
      });
      standInStop = () => (standIn as WithdrawalStandIn).stop();
      if (opts.beacon.recordExits) beaconRecorder = await startBeaconRecorder(beacon.url);
    }

    const botKeyFile = join(dir, 'bot.key');
    writeFileSync(botKeyFile, bot.privateKey, { mode: 0o600 });
    const baseConfig: Record<string, unknown> = {
      workerName: 'creation-worker',
      temporal: { address: temporal.address, namespace: 'default', taskQueue },
      chain: { rpcUrls: [anvil.rpcUrl], chainId: anvil.chainId, logMaxRange: 1000 },
      contracts: system.addresses,
      botKeyFile,
      transactions: {
        journalFile: join(dir, 'tx-journal.json'),
        confirmations: 1,
        stuckAfterSeconds: 30,
        ...(opts.pipelineDepth ? { pipelineDepth: opts.pipelineDepth } : {}),
      },
      keys: {
        depositNetwork: 'holesky',
        indexStateDir: join(dir, 'key-indices'),
        saltFromStdin: true,
        chainForkVersions: { [String(anvil.chainId)]: KNOWN_CHAIN_FORK_VERSIONS[17000].forkVersion },
      },
      aws: { region: MOTO_REGION, endpoint: moto.endpoint },
      ...(beacon
        ? { beacon: { urls: [beaconRecorder?.url ?? beacon.url], genesisValidatorsRoot: beacon.genesisValidatorsRoot } }
        : {}),
      // The guard's indexes per network; a Lodestar genesis holds the rollups' first mnemonic keys,
      // which the bot deposits later (a stand-in for deposit processing): they pass its beacon check.
      depositGuard: { indexDir: join(dir, 'deposit-guard'), ...(beacon ? { acceptOwnGenesisValidators: true } : {}) },
      ...(dkgOperators
        ? {
            dkg: {
              binary: dkgOperators.binary.path,
              network: 'holesky',
              workDir: join(dir, 'dkg-work'),
              archiveDir: join(dir, 'dkg-archive'),
              operatorCaFiles: Object.fromEntries(
                dkgOperators.running.map((op) => [String(op.operatorId), op.tlsCertPath]),
              ),
              ...opts.dkg?.workerDkg,
            },
          }
        : {}),
    };
    let starts = 0;
    const workerLog = join(dir, 'worker.log');
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    const workerEnv: NodeJS.ProcessEnv = {
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      // The stand-in's ceremony duration (localnet/ssv-dkg-stand-in/pace.ts); the real binary ignores it.
      SSV_DKG_STAND_IN_PACE: opts.dkg?.pace ?? 'fast',
    };
    const writeWorkerConfig = (config: Record<string, unknown> = {}) => {
      const configFile = join(dir, `worker-${++starts}.json`);
      writeFileSync(configFile, JSON.stringify({ ...baseConfig, ...config }));
      return configFile;
    };

    const net: CreationNetwork = {
      dir,
      temporal,
      anvil,
      provider,
      system,
      client,
      vault,
      salt,
      botKey: bot.privateKey,
      operators,
      dkgOperators,
      taskQueue,
      rollups,
      workerLog,
      beacon,
      standIn,
      beaconRecorder,
      writeWorkerConfig,
      workerEnv,
      workerConfig: baseConfig,
      async startWorker(startOpts = {}) {
        const configFile = writeWorkerConfig(startOpts.config);
        const worker = await startWorkerProcess({
          configFile,
          workerName: `creation-worker-${Date.now()}`,
          temporalAddress: temporal.address,
          namespace: 'default',
          taskQueue,
          logFile: workerLog,
          salt: startOpts.salt === null ? undefined : (startOpts.salt ?? salt),
          env: workerEnv,
        });
        services.push(worker);
        return worker;
      },
      async restartTemporal(whileDown) {
        if (!temporalDbFile) throw new Error('restartTemporal needs the network started with temporalDbFile');
        const port = Number(net.temporal.address.split(':').pop());
        await net.temporal.stop();
        await whileDown?.();
        const restarted = await startTemporalDevServer({ port, dbFile: temporalDbFile });
        services.push(restarted);
        net.temporal = restarted;
        return restarted;
      },
      async stop() {
        await standIn?.stop();
        await beaconRecorder?.stop();
        await connection.close();
        provider.destroy();
        await stopAll(services);
        await dkgOperators?.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return net;
  } catch (err) {
    await standInStop?.();
    await beaconRecorder?.stop();
    await stopAll(services);
    await dkgOperators?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
