// What `npm start` prints once the local network is up: where each part listens and how to use it.
import { networkFilePath, type NetworkFile } from './network-file';
import type { LocalnetConfig } from './config';

export function printSummary(network: NetworkFile, config: LocalnetConfig): void {
  const rollups = network.rollups
    .map(
      (r) =>
        `  Rollup ${r.name.padEnd(21)} ${r.keyPath} keys, admin ${r.admin}, bridge ${r.bridge}, limit ${r.stakingLimit} bps, monitor ${r.monitorWorkflowId}`,
    )
    .join('\n');
  console.log(`
nexus-bot local network is up (Ctrl-C stops everything)
  Temporal Web UI   ${network.temporal.uiUrl}
  Temporal          ${network.temporal.address} (namespace ${network.temporal.namespace}, task queue ${network.temporal.taskQueue})
  Codec server      ${network.codecEndpoint} (payloads are encrypted; keys ${network.codecKeysFile})
                    temporal workflow show --codec-endpoint ${network.codecEndpoint} …
  nexus-bot CLI     node client/bin/nexus-bot.js list --config ${network.workerConfigFile}
  Workers           ${(network.workers ?? []).map((w) => `${w.name} [${w.roles.join(',')}] pid ${w.pid}, metrics ${w.metricsUrl}`).join('\n                    ')}
                    which worker ran which step: node client/bin/nexus-bot.js show <create-validators/…|exit-validators/…> --config ${network.workerConfigFile}
  Worker metrics    ${network.metricsUrl} (Prometheus, worker 1)
  Chain RPC         ${network.rpcUrl} (chain id ${network.chainId})
  Beacon node       ${network.beaconUrl} (Lodestar, phase0, ${network.beacon.secondsPerSlot} s slots; new genesis at every start)
  Nexus             ${network.contracts.nexus}
${rollups}
  Secrets Manager   ${network.aws.endpoint} (${network.aws.region})
  DKG operators     ${network.dkgOperators.map((op) => `${op.id}:${op.url}`).join('  ')} (ssv-dkg: ${network.ssvDkg.kind === 'real' ? 'the real binary' : 'the stand-in'}, ${network.ssvDkg.path})
  network.json      ${networkFilePath(config.dir)}
  logs              ${network.logs}
`);
}
