// Every activity, built from injected dependencies (the samples' createActivities(deps) pattern):
// workflows import only the types (activities/interface.ts).
import { ApplicationFailure } from '@temporalio/activity';
import { hostname } from 'node:os';
import { createCreationActivities, type CreationDependencies } from './creation';
import { createWatchActivities } from './watch';
import { createRegistrarActivities, type RegistrarClientDependencies } from './registrar-client';
import { createExitActivities, type ExitDependencies } from './exits';

export interface ActivityDependencies {
  /** A name for this worker process, shown by the self-check. */
  workerName: string;
  /** Chain, keys and transactions: absent on a worker configured without a chain. */
  creation?: CreationDependencies;
  registrar?: RegistrarClientDependencies;
  /** Exits: absent on a worker configured without a beacon node. */
  exits?: ExitDependencies;
}

/** Stands in for the exit activities on a worker without a beacon node: a clear, final error. */
function exitsDisabled(): never {
  throw ApplicationFailure.nonRetryable('exits are disabled on this worker: no beacon node is configured (beacon.urls)', 'BeaconNotConfigured');
}

export function createActivities(deps: ActivityDependencies) {
  return {
    async describeWorker(): Promise<string> {
      return `${deps.workerName}@${hostname()} (pid ${process.pid})`;
    },
    ...(deps.creation ? createCreationActivities(deps.creation) : {}),
    ...(deps.creation ? createWatchActivities({ provider: deps.creation.provider, nexus: deps.creation.contracts.nexus, logMaxRange: deps.creation.logMaxRange }) : {}),
    ...(deps.registrar ? createRegistrarActivities(deps.registrar) : {}),
    ...(deps.exits ? createExitActivities(deps.exits) : {
      readExitCandidates: exitsDisabled, broadcastMnemonicExits: exitsDisabled, submitValidatorExit: exitsDisabled,
      readExitProgress: exitsDisabled, notifyExitBalanceTransferred: exitsDisabled, reportExitsBlocked: exitsDisabled,
    }),
    async runDkgCeremony(): Promise<never> {
      // ssv-dkg cannot be installed on the machines this was built on (see README, Known gaps):
      // a DKG rollup fails here, clearly, before anything is deposited or registered.
      throw ApplicationFailure.nonRetryable('DKG ceremonies are not available on this worker: ssv-dkg is not installed (see README, Known gaps)', 'DkgUnavailable');
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
