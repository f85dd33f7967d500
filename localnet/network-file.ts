// network.json: what a running local network offers (addresses, URLs, local dev keys). It exists
// only while its launcher runs; readers check that the launcher is alive, so a file left behind
// by a killed launcher is reported as stale instead of sending them to dead ports.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 20-byte hex address');

export const networkFileSchema = z.object({
  launcherPid: z.number().int().positive(),
  startedAt: z.string(),
  rpcUrl: z.string(),
  chainId: z.number().int(),
  /** The public Nexus version the local contracts follow (NEXUS_LOCALNET_NEXUS_VERSION). */
  nexusVersion: z.enum(['v2024-03', 'v2024-06']),
  temporal: z.object({ address: z.string(), namespace: z.string(), uiUrl: z.string(), taskQueue: z.string() }),
  /** The codec server (Web UI, `temporal --codec-endpoint`) and the key file its worker uses. */
  codecEndpoint: z.string(),
  codecKeysFile: z.string(),
  /** The worker's configuration: also what `nexus-bot … --config` reads to reach this network. */
  workerConfigFile: z.string(),
  /** The worker's Prometheus endpoint. */
  metricsUrl: z.string(),
  aws: z.object({ endpoint: z.string(), region: z.string() }),
  contracts: z.object({
    nexus: address,
    nodeOperator: address,
    ssvNetwork: address,
    ssvNetworkViews: address,
    ssvToken: address,
    depositContract: address,
  }),
  /** The local beacon chain's REST API (also beacon.url). */
  beaconUrl: z.string(),
  beacon: z.object({
    url: z.string(),
    genesisValidatorsRoot: z.string(),
    genesisForkVersion: z.string(),
    genesisTime: z.number().int(),
    secondsPerSlot: z.number().int(),
  }),
  accounts: z.object({
    deployer: z.object({ address, key: z.string() }),
    bot: z.object({ address, key: z.string() }),
  }),
  rollups: z.array(
    z.object({
      name: z.string(),
      admin: address,
      adminKey: z.string(),
      bridge: address,
      operatorCluster: z.number().int(),
      stakingLimit: z.number().int(),
      keyPath: z.enum(['dkg', 'mnemonic']),
      bridgeKind: z.enum(['DAO', 'CValue', 'Rebase']),
      monitorWorkflowId: z.string(),
    }),
  ),
  dkgOperators: z.array(z.object({ id: z.number().int(), url: z.string(), running: z.boolean() })),
  /** Which ssv-dkg the operators and the worker run: the real binary or the stand-in (localnet/services/ssv-dkg-choice.ts). */
  ssvDkg: z.object({ path: z.string(), kind: z.enum(['real', 'stand-in']) }),
  processes: z.array(z.object({ name: z.string(), pid: z.number().int() })),
  /** The worker processes (NEXUS_LOCALNET_WORKERS), with their roles (localnet/workers.ts). Absent in files of earlier launchers. */
  workers: z
    .array(
      z.object({
        name: z.string(),
        roles: z.array(z.string()),
        pid: z.number().int(),
        configFile: z.string(),
        log: z.string(),
        metricsUrl: z.string(),
      }),
    )
    .optional(),
  logs: z.string(),
});

export type NetworkFile = z.infer<typeof networkFileSchema>;

export const networkFilePath = (dir: string) => join(dir, 'network.json');

export function writeNetworkFile(dir: string, network: NetworkFile): void {
  const path = networkFilePath(dir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(network, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path); // readers never see half a file
}

export function removeNetworkFile(dir: string): void {
  rmSync(networkFilePath(dir), { force: true });
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads network.json of a running network; clear errors for missing, malformed or stale files. */
export function readNetworkFile(dir: string): NetworkFile {
  const path = networkFilePath(dir);
  if (!existsSync(path))
    throw new Error(`no local network is running: ${path} does not exist (start one with \`npm start\`)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}); stop the network and start it again`, {
      cause: err,
    });
  }
  const parsed = networkFileSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(top level)').join(', ');
    throw new Error(
      `${path} does not have the expected shape (bad fields: ${fields}); it was written by another version: restart the network`,
    );
  }
  if (!isProcessAlive(parsed.data.launcherPid)) {
    throw new Error(
      `${path} is stale: its launcher (pid ${parsed.data.launcherPid}) is no longer running; start the network again with \`npm start\``,
    );
  }
  return parsed.data;
}
