// Settings of the local network launcher, from environment variables (all optional). Port 0
// means "any free port". Each error names the variable and the expected form.
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { NexusVersion } from '../contracts/deploy';

const port = z.coerce
  .number({ error: 'expected a port number' })
  .int('expected a whole port number')
  .min(0, 'expected a port between 0 and 65535')
  .max(65535, 'expected a port between 0 and 65535');

const schema = z.strictObject({
  NEXUS_LOCALNET_DIR: z.string().min(1, 'expected a folder path').optional(),
  NEXUS_LOCALNET_TEMPORAL_PORT: port.default(7233),
  NEXUS_LOCALNET_TEMPORAL_UI_PORT: port.default(8233),
  NEXUS_LOCALNET_RPC_PORT: port.default(8545),
  NEXUS_LOCALNET_MOTO_PORT: port.default(5055),
  NEXUS_LOCALNET_DKG_BASE_PORT: port.default(3030),
  NEXUS_LOCALNET_BEACON_PORT: port.default(9596),
  NEXUS_LOCALNET_CODEC_PORT: port.default(8089),
  NEXUS_LOCALNET_METRICS_PORT: port.default(9464),
  NEXUS_LOCALNET_BLOCK_TIME: z.coerce
    .number({ error: 'expected seconds between blocks' })
    .int('expected whole seconds')
    .min(1, 'expected at least 1 second')
    .default(1),
  /** Which public Nexus version the local contracts follow (contracts/src/NexusV2024_*.sol). */
  NEXUS_LOCALNET_NEXUS_VERSION: z
    .enum(['v2024-03', 'v2024-06'] satisfies NexusVersion[], 'expected v2024-03 or v2024-06')
    .default('v2024-06'),
  /** Worker processes on the one Temporal server: the first has every role, the others general and salt (localnet/workers.ts). */
  NEXUS_LOCALNET_WORKERS: z.coerce
    .number({ error: 'expected a number of workers' })
    .int('expected a whole number of workers')
    .min(1, 'expected between 1 and 8 workers')
    .max(8, 'expected between 1 and 8 workers')
    .default(2),
});

export interface LocalnetConfig {
  /** Everything the network writes: state (survives restarts), logs and network.json. */
  dir: string;
  ports: {
    temporal: number;
    temporalUi: number;
    rpc: number;
    moto: number;
    dkgBase: number;
    beacon: number;
    codec: number;
    metrics: number;
  };
  blockTime: number;
  nexusVersion: NexusVersion;
  workers: number;
}

export class LocalnetConfigError extends Error {
  override name = 'LocalnetConfigError';
}

const REPO_ROOT = resolve(__dirname, '..');

export function loadLocalnetConfig(env: NodeJS.ProcessEnv = process.env): LocalnetConfig {
  const relevant = Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith('NEXUS_LOCALNET_')));
  const result = schema.safeParse(relevant);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.length > 0 ? String(issue.path[0]) : '(environment)';
      const given = issue.path.length > 0 ? ` (got "${relevant[name] ?? ''}")` : '';
      return issue.code === 'unrecognized_keys'
        ? `  unknown setting(s) ${issue.keys.join(', ')}: known ones are ${Object.keys(schema.shape).join(', ')}`
        : `  ${name}: ${issue.message}${given}`;
    });
    throw new LocalnetConfigError(`invalid local network settings:\n${problems.join('\n')}`);
  }
  const c = result.data;
  return {
    dir: resolve(c.NEXUS_LOCALNET_DIR ?? join(REPO_ROOT, '.local-network')),
    ports: {
      temporal: c.NEXUS_LOCALNET_TEMPORAL_PORT,
      temporalUi: c.NEXUS_LOCALNET_TEMPORAL_UI_PORT,
      rpc: c.NEXUS_LOCALNET_RPC_PORT,
      moto: c.NEXUS_LOCALNET_MOTO_PORT,
      dkgBase: c.NEXUS_LOCALNET_DKG_BASE_PORT,
      beacon: c.NEXUS_LOCALNET_BEACON_PORT,
      codec: c.NEXUS_LOCALNET_CODEC_PORT,
      metrics: c.NEXUS_LOCALNET_METRICS_PORT,
    },
    blockTime: c.NEXUS_LOCALNET_BLOCK_TIME,
    nexusVersion: c.NEXUS_LOCALNET_NEXUS_VERSION,
    workers: c.NEXUS_LOCALNET_WORKERS,
  };
}
