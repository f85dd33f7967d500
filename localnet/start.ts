// `npm start`: the whole local network on 127.0.0.1, from the project's own files.
//   Temporal dev server (Web UI, SQLite file) · anvil (1 s blocks, state file) · the contracts with
//   a demo rollup · a Lodestar beacon node (new genesis each start) with the withdrawal stand-in ·
//   moto (Secrets Manager) · four SSV DKG operators · the nexus-bot workers (two by default), payloads encrypted
//   (a codec key file kept in the state folder, and a codec server for the Web UI and `temporal`).
// Writes <dir>/network.json while it runs; Ctrl-C stops everything it started, by PID.
// Options: --reset (forget the chain, Temporal history and operator keys of earlier runs), --help.
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ethers } from 'ethers';
import { MnemonicVault } from '../activities/keys/mnemonic-vault';
import { SaltHolder } from '../activities/keys/salt';
import { KNOWN_CHAIN_FORK_VERSIONS } from '../activities/chain/signing-network';
import { writeNewCodecKeyFile } from '../temporal-config/codec-keys';
import { startCodecServer } from '../temporal-config/codec-server';
import { loadPayloadCodec } from '../temporal-config/data-converter';
import { TASK_QUEUE } from '../temporal-config/names';
import { monitorWorkflowId } from '../workflows/ids';
import {
  ACCOUNT_INDEX,
  DEMO_BEACON_KEY_INDICES,
  DEMO_MNEMONIC,
  devWallet,
  ensureDeployment,
  type DemoOperator,
} from './demo';
import { LocalnetConfigError, loadLocalnetConfig, type LocalnetConfig } from './config';
import { AlreadyRunningError, acquireInstanceLock } from './instance-lock';
import { createOperatorIdentity, loadOperatorIdentity, type OperatorIdentity } from './operator-identity';
import { removeNetworkFile, writeNetworkFile, type NetworkFile } from './network-file';
import { startAnvil } from './services/anvil';
import { beaconNetworkInfo, startBeaconNode } from './services/beacon-node';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from './services/moto';
import { stopAll, type ServiceProcess } from './services/process';
import { startDkgOperator } from './services/ssv-dkg';
import { chooseSsvDkg } from './services/ssv-dkg-choice';
import { startTemporalDevServer } from './services/temporal';
import { startWithdrawalStandIn } from './services/withdrawal-stand-in';
import { startWorkers, writeWorkerConfigs } from './workers';
import { LOCAL_MONITORS, startMonitors } from './monitors';
import { OPERATOR_COUNT, resolvePorts } from './ports';
import { printSummary } from './summary';
import { asRollupAdmin } from '../protocol/identifiers';

const HELP = `Usage: npm start [-- --reset]

Starts the nexus-bot local network on 127.0.0.1 and keeps it running until Ctrl-C.
  --reset   forget the state of earlier runs (chain, Temporal history, operator keys)
Settings (environment, port 0 = any free port):
  NEXUS_LOCALNET_DIR              folder for state, logs and network.json (default .local-network)
  NEXUS_LOCALNET_TEMPORAL_PORT    Temporal frontend (default 7233)
  NEXUS_LOCALNET_TEMPORAL_UI_PORT Temporal Web UI (default 8233)
  NEXUS_LOCALNET_RPC_PORT         anvil JSON-RPC (default 8545)
  NEXUS_LOCALNET_MOTO_PORT        Secrets Manager emulator (default 5055)
  NEXUS_LOCALNET_DKG_BASE_PORT    first of four ssv-dkg operator ports (default 3030)
  NEXUS_LOCALNET_BEACON_PORT      beacon node REST API (default 9596)
  NEXUS_LOCALNET_CODEC_PORT       payload codec server for the Web UI and \`temporal\` (default 8089)
  NEXUS_LOCALNET_METRICS_PORT     worker 1's Prometheus metrics, /metrics (default 9464; worker n on the port n-1 above)
  NEXUS_LOCALNET_BLOCK_TIME       seconds between blocks (default 1)
  NEXUS_LOCALNET_NEXUS_VERSION    public Nexus version the contracts follow: v2024-06 (default) or v2024-03
  NEXUS_LOCALNET_WORKERS          worker processes (default 2): the first with every role, the others general + salt`;

const log = (line: string) => console.log(`[localnet] ${line}`);

// The AWS SDK's notice that its releases after January 2027 need Node 22 (Node 20 here, the SDK
// pinned): silenced with the SDK's own switch unless the operator set it (README, Node version).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return;
  }
  const unknown = args.filter((a) => a !== '--reset');
  if (unknown.length > 0) throw new LocalnetConfigError(`unknown argument(s) ${unknown.join(' ')}\n\n${HELP}`);

  const config = loadLocalnetConfig();
  mkdirSync(config.dir, { recursive: true });
  const lock = acquireInstanceLock(config.dir);
  if (lock.staleNote) log(lock.staleNote);
  const stateDir = join(config.dir, 'state');
  const logDir = join(config.dir, 'logs');
  if (args.includes('--reset')) {
    log(`--reset: removing the state of earlier runs in ${stateDir}`);
    rmSync(stateDir, { recursive: true, force: true });
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  mkdirSync(logDir, { recursive: true });

  const services: ServiceProcess[] = [];
  /** In-process loops (the withdrawal stand-in), stopped before the servers they talk to. */
  const loops: { stop(): Promise<void> }[] = [];
  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      log('stopping…');
      removeNetworkFile(config.dir);
      for (const loop of loops) await loop.stop().catch(() => undefined);
      await stopAll(services);
      lock.release();
      log('stopped');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const network = await startNetwork(config, stateDir, logDir, services, loops);
    writeNetworkFile(config.dir, network);
    printSummary(network, config);
    // A service that dies takes the network down with a message, rather than leaving half of it.
    await Promise.race(
      services.map(async (s) => {
        const code = await s.exited;
        return { s, code };
      }),
    ).then(({ s, code }) => {
      if (!stopping) {
        console.error(
          `[localnet] ${s.name} (pid ${s.pid}) exited unexpectedly with code ${code}; see ${logDir}\n${s.recentOutput()}`,
        );
        return stop(1);
      }
      return undefined;
    });
  } catch (err) {
    if (!stopping) {
      console.error(`[localnet] ${(err as Error).message}`);
      await stop(1);
    }
  }
}

async function startNetwork(
  config: LocalnetConfig,
  stateDir: string,
  logDir: string,
  services: ServiceProcess[],
  loops: { stop(): Promise<void> }[],
): Promise<NetworkFile> {
  const ports = await resolvePorts(config);
  // The real ssv-dkg when the tool cache has it (or NEXUS_BOT_SSV_DKG names one), else the stand-in.
  const ssvDkg = chooseSsvDkg();

  // Payloads are encrypted: one key file per state folder, kept across restarts with the history
  // it encrypts (both go with --reset). The codec server lets the Web UI show them in clear.
  const codecKeysFile = join(stateDir, 'codec-keys.json');
  if (!existsSync(codecKeysFile)) writeNewCodecKeyFile(codecKeysFile);
  const uiUrl = `http://127.0.0.1:${ports.temporalUi}`;
  const codecServer = await startCodecServer({
    codec: loadPayloadCodec(codecKeysFile),
    port: ports.codec,
    corsOrigins: [uiUrl, `http://localhost:${ports.temporalUi}`],
    log: (line) => appendFileSync(join(logDir, 'codec-server.log'), `${new Date().toISOString()} ${line}\n`),
  });
  loops.push({ stop: () => codecServer.close() });
  log(`codec server on ${codecServer.url}`);

  log(`Temporal dev server on 127.0.0.1:${ports.temporal} (Web UI ${ports.temporalUi})`);
  const temporal = await startTemporalDevServer({
    port: ports.temporal,
    uiPort: ports.temporalUi,
    dbFile: join(stateDir, 'temporal.db'),
    logFile: join(logDir, 'temporal.log'),
    uiCodecEndpoint: codecServer.url,
  });
  services.push(temporal);

  log(`anvil on 127.0.0.1:${ports.rpc} (${config.blockTime} s blocks)`);
  const anvil = await startAnvil({
    port: ports.rpc,
    blockTime: config.blockTime,
    stateFile: join(stateDir, 'anvil-state.json'),
    logFile: join(logDir, 'anvil.log'),
  });
  services.push(anvil);

  log(`moto (Secrets Manager) on 127.0.0.1:${ports.moto}`);
  const moto = await startMoto({ port: ports.moto, logFile: join(logDir, 'moto.log') });
  services.push(moto);

  const identities: OperatorIdentity[] = [];
  for (let id = 1; id <= OPERATOR_COUNT; id++) {
    const dir = join(stateDir, 'operators', String(id));
    identities.push((await loadOperatorIdentity(dir, id)) ?? (await createOperatorIdentity(dir, id)));
  }
  const operators: DemoOperator[] = identities.map((identity, i) => ({
    id: identity.operatorId,
    publicKeyBase64: identity.publicKeyBase64,
    dkgUrl: `https://127.0.0.1:${ports.dkgBase[i]}`,
  }));

  const provider = new ethers.JsonRpcProvider(anvil.rpcUrl, anvil.chainId, {
    staticNetwork: true,
    pollingInterval: 250,
    cacheTimeout: -1,
  });
  const deployment = await ensureDeployment(provider, stateDir, operators, config.nexusVersion, log);

  log(`ssv-dkg: ${ssvDkg.reason}`);
  for (const [i, identity] of identities.entries()) {
    log(`ssv-dkg operator ${identity.operatorId} on https://127.0.0.1:${ports.dkgBase[i]}`);
    services.push(
      await startDkgOperator(identity, {
        port: ports.dkgBase[i],
        ethEndpointURL: anvil.rpcUrl,
        logFile: join(logDir, `dkg-operator-${identity.operatorId}.log`),
        command: ssvDkg.path,
      }),
    );
  }

  const deployer = devWallet(ACCOUNT_INDEX.deployer, provider);
  const bot = devWallet(ACCOUNT_INDEX.bot, provider);

  // The consensus layer: a new beacon chain each start (its genesis holds the demo mnemonic keys),
  // and the stand-in that returns withdrawable validators' 32 ETH to their bridges on anvil.
  const mnemonicRollup = deployment.rollups.find((r) => r.keyPath === 'mnemonic');
  if (!mnemonicRollup) throw new Error('the deployment has no mnemonic demo rollup');
  log(
    `beacon node (Lodestar, new genesis with ${DEMO_BEACON_KEY_INDICES.length} keys of the demo mnemonic) on 127.0.0.1:${ports.beacon}`,
  );
  const beacon = await startBeaconNode({
    dataDir: join(config.dir, 'beacon'),
    restPort: ports.beacon,
    logFile: join(logDir, 'beacon-node.log'),
    keyGroups: [
      { mnemonic: DEMO_MNEMONIC, indices: DEMO_BEACON_KEY_INDICES, withdrawalAddress: mnemonicRollup.bridge },
    ],
  });
  services.push(beacon);
  const standInLog = join(logDir, 'withdrawal-stand-in.log');
  loops.push(
    await startWithdrawalStandIn({
      beaconUrl: beacon.url,
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      bridges: deployment.rollups.map((r) => r.bridge),
      stateFile: join(stateDir, 'withdrawal-stand-in.json'),
      log: (line) => appendFileSync(standInLog, `${new Date().toISOString()} ${line}\n`),
      onPaid: (p) =>
        log(
          `withdrawal stand-in: validator ${p.validatorIndex} is withdrawable, credited 32 ETH to bridge ${p.bridge} (balance ${p.balanceBeforeWei} → ${p.balanceAfterWei} wei)`,
        ),
    }),
  );

  // The mnemonic rollup's secret, encrypted under a salt that exists only in this process and
  // the worker's memory (moto keeps nothing across restarts, so it is stored again each start).
  const salt = randomBytes(32).toString('base64');
  const vault = new MnemonicVault(
    new SecretsManagerClient({ endpoint: moto.endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS }),
    new SaltHolder(salt),
  );
  for (const rollup of deployment.rollups.filter((r) => r.keyPath === 'mnemonic')) {
    await vault.createMnemonic(rollup.admin, { mnemonic: DEMO_MNEMONIC });
  }

  const botKeyFile = join(stateDir, 'bot.key');
  writeFileSync(botKeyFile, bot.privateKey, { mode: 0o600 });
  const workers = writeWorkerConfigs(
    {
      temporal: { address: temporal.address, namespace: temporal.namespace, taskQueue: TASK_QUEUE },
      // The Nexus version is configured, not detected: the launcher deployed it (auto would agree).
      // The chain watcher follows new blocks by eth_subscribe newHeads on anvil's websocket.
      chain: {
        rpcUrls: [anvil.rpcUrl],
        wsUrl: anvil.wsUrl,
        chainId: anvil.chainId,
        logMaxRange: 5_000,
        blockTimeSeconds: config.blockTime,
      },
      contracts: deployment.contracts,
      botKeyFile,
      transactions: { journalFile: join(stateDir, 'tx-journal.json'), confirmations: 1, stuckAfterSeconds: 30 },
      // holesky's fork version: the only one ssv-dkg also signs with (it knows named networks only).
      // The local chain id is no public network: the Lodestar genesis (localnet/beacon) uses holesky's fork version.
      keys: {
        depositNetwork: 'holesky',
        indexStateDir: join(stateDir, 'key-indices'),
        saltFromStdin: true,
        chainForkVersions: { [String(anvil.chainId)]: KNOWN_CHAIN_FORK_VERSIONS[17000].forkVersion },
      },
      aws: { region: MOTO_REGION, endpoint: moto.endpoint },
      // This start's beacon chain only: its genesis validators root changes with every start.
      beacon: { urls: [beacon.url], genesisValidatorsRoot: beacon.genesisValidatorsRoot },
      // The pre-deposit guard's indexes live with the chain state; the genesis holds the demo keys the
      // bot deposits later (a stand-in for deposit processing), so those pass its beacon check.
      depositGuard: { indexDir: join(stateDir, 'deposit-guard'), acceptOwnGenesisValidators: true },
      // Ceremonies with the four operators above, trusting exactly each one's self-signed certificate.
      dkg: {
        binary: ssvDkg.path,
        network: 'holesky',
        workDir: join(stateDir, 'dkg', 'work'),
        archiveDir: join(stateDir, 'dkg', 'archive'),
        operatorCaFiles: Object.fromEntries(
          identities.map((identity) => [String(identity.operatorId), identity.tlsCertPath]),
        ),
      },
      codec: { keysFile: codecKeysFile },
      monitors: LOCAL_MONITORS,
    },
    [ports.metrics, ...ports.workerMetrics],
    stateDir,
    logDir,
    `${process.pid}-${Date.now()}`,
  );
  const workerConfigFile = workers[0].configFile;
  const running = await startWorkers(
    workers,
    {
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      taskQueue: TASK_QUEUE,
      salt,
      env: {
        AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        // The stand-in's ceremonies last as long as the real binary's measured ones (~20 s + 0.9 s per validator).
        ...(ssvDkg.kind === 'stand-in'
          ? { SSV_DKG_STAND_IN_PACE: process.env.SSV_DKG_STAND_IN_PACE ?? 'measured' }
          : {}),
      },
    },
    log,
    (service) => services.push(service),
  );
  await startMonitors(temporal.address, temporal.namespace, deployment.rollups, codecKeysFile, log);

  return {
    launcherPid: process.pid,
    startedAt: new Date().toISOString(),
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    nexusVersion: deployment.nexusVersion,
    beaconUrl: beacon.url,
    beacon: beaconNetworkInfo(beacon),
    temporal: {
      address: temporal.address,
      namespace: temporal.namespace,
      uiUrl: temporal.uiUrl ?? '',
      taskQueue: TASK_QUEUE,
    },
    codecEndpoint: codecServer.url,
    codecKeysFile,
    workerConfigFile,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    aws: { endpoint: moto.endpoint, region: MOTO_REGION },
    contracts: deployment.contracts,
    accounts: {
      deployer: { address: deployer.address, key: deployer.privateKey },
      bot: { address: bot.address, key: bot.privateKey },
    },
    rollups: deployment.rollups.map((r) => ({
      name: r.name,
      admin: r.admin,
      adminKey: devWallet(r.account, provider).privateKey,
      bridge: r.bridge,
      operatorCluster: r.operatorCluster,
      stakingLimit: r.stakingLimit,
      keyPath: r.keyPath,
      bridgeKind: r.bridgeKind,
      monitorWorkflowId: monitorWorkflowId(asRollupAdmin(r.admin)),
    })),
    dkgOperators: operators.map((op) => ({ id: op.id, url: op.dkgUrl, running: true })),
    ssvDkg: { path: ssvDkg.path, kind: ssvDkg.kind },
    processes: services.map((s) => ({ name: s.name, pid: s.pid })),
    workers: running.map(({ worker, pid }) => ({
      name: worker.name,
      roles: worker.roles,
      pid,
      configFile: worker.configFile,
      log: worker.logFile,
      metricsUrl: worker.metricsUrl,
    })),
    logs: logDir,
  };
}

main().catch((err: unknown) => {
  const known = err instanceof LocalnetConfigError || err instanceof AlreadyRunningError;
  console.error(known ? `[localnet] ${(err as Error).message}` : err);
  process.exit(1);
});
