// Every port of the local network, checked before anything starts, so that a clash is reported by
// name at once (with the variable that moves it); 0 = any free port.
import { LocalnetConfigError, type LocalnetConfig } from './config';
import { assertPortFree, freePort } from './services/process';

/** The four SSV DKG operators of the demo cluster. */
export const OPERATOR_COUNT = 4;

export async function resolvePorts(config: LocalnetConfig) {
  const taken = new Set<number>();
  const pick = async (port: number, what: string, variable: string) => {
    if (port === 0) {
      // The kernel may hand the same free port out twice in a row: never give two services one port.
      for (;;) {
        const free = await freePort();
        if (!taken.has(free)) {
          taken.add(free);
          return free;
        }
      }
    }
    taken.add(port);
    await assertPortFree(port, what).catch((err: Error) => {
      throw new LocalnetConfigError(`${err.message}; set ${variable} to another port (0 = any free port)`);
    });
    return port;
  };
  const temporal = await pick(config.ports.temporal, 'Temporal frontend', 'NEXUS_LOCALNET_TEMPORAL_PORT');
  const temporalUi = await pick(config.ports.temporalUi, 'Temporal Web UI', 'NEXUS_LOCALNET_TEMPORAL_UI_PORT');
  const rpc = await pick(config.ports.rpc, 'anvil JSON-RPC', 'NEXUS_LOCALNET_RPC_PORT');
  const moto = await pick(config.ports.moto, 'moto Secrets Manager', 'NEXUS_LOCALNET_MOTO_PORT');
  const dkgBase: number[] = [];
  for (let i = 0; i < OPERATOR_COUNT; i++) {
    dkgBase.push(
      await pick(
        config.ports.dkgBase === 0 ? 0 : config.ports.dkgBase + i,
        `ssv-dkg operator ${i + 1}`,
        'NEXUS_LOCALNET_DKG_BASE_PORT',
      ),
    );
  }
  const beacon = await pick(config.ports.beacon, 'beacon node REST API', 'NEXUS_LOCALNET_BEACON_PORT');
  const codec = await pick(config.ports.codec, 'payload codec server', 'NEXUS_LOCALNET_CODEC_PORT');
  const metrics = await pick(config.ports.metrics, 'worker metrics endpoint', 'NEXUS_LOCALNET_METRICS_PORT');
  // Workers 2… on the next ports (or free ones).
  const workerMetrics: number[] = [];
  for (let i = 2; i <= config.workers; i++) {
    workerMetrics.push(
      await pick(
        config.ports.metrics === 0 ? 0 : config.ports.metrics + i - 1,
        `worker ${i} metrics endpoint`,
        'NEXUS_LOCALNET_METRICS_PORT',
      ),
    );
  }
  return { temporal, temporalUi, rpc, moto, dkgBase, beacon, codec, metrics, workerMetrics };
}
