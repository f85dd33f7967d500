// Every activity, built from injected dependencies (the samples' createActivities(deps) pattern):
// workflows import only the types (activities/interface.ts).
import { atActivityBoundary, failure } from './typed-failure';
import { hostname } from 'node:os';
import { createCreationActivities, type CreationDependencies } from './creation-activities';
import { createMnemonicBatchActivities } from './mnemonic-batch';
import { createWatchActivities } from './watch';
import type { HeadFollower } from './chain/head-follower';
import { createRegistrarActivities, type RegistrarClientDependencies } from './registrar-client';
import { createExitActivities, type ExitDependencies } from './exits';
import { createDepositGuardActivities, type DepositGuardDependencies } from './guard/activity';
import type { CeremonyArchive } from './dkg/archive';
import { createDkgActivities, createMarkDkgCeremony, type DkgDependencies } from './dkg/ceremony-activity';
import { createReconcileActivities } from './reconcile';
import { createBatchLookupActivities } from './batch-lookup';
import { createRunwayActivities, type RunwayDependencies } from './funding/runway-activities';

export interface ActivityDependencies {
  /** A name for this worker process, shown by the self-check. */
  workerName: string;
  /** Chain, keys and transactions: absent on a worker configured without a chain. */
  creation?: CreationDependencies;
  registrar?: RegistrarClientDependencies;
  /** The pre-deposit guard (its log indexes): present whenever `creation` is. */
  depositGuard?: DepositGuardDependencies;
  /** Exits: absent on a worker configured without a beacon node. */
  exits?: ExitDependencies;
  /** DKG ceremonies: present when an ssv-dkg binary resolved (activities/dkg/binary.ts). */
  dkg?: DkgDependencies;
  /** Without `dkg`: why (the one message DkgUnavailable carries). */
  dkgUnavailable?: string;
  /** Without `dkg`: the ceremony archive, so that markDkgCeremony still works. */
  dkgArchive?: CeremonyArchive;
  /** The cluster runway watcher's reads and top-ups: absent on a worker configured without a chain. */
  runway?: RunwayDependencies;
  /** How the chain watcher learns of new blocks (a newHeads subscription or polling); absent: polling. */
  heads?: HeadFollower;
}

const DKG_UNAVAILABLE =
  'DKG ceremonies are not available on this worker: ssv-dkg is not installed (tools/install.sh ssv-dkg, NEXUS_BOT_SSV_DKG or dkg.binary); DKG rollups are refused';

/** The DKG activities, or stand-ins that fail clearly and for good on a worker without ssv-dkg. */
function dkgActivities(deps: ActivityDependencies) {
  if (deps.dkg) return createDkgActivities(deps.dkg);
  const unavailable = (): never => {
    // Fails before anything is deposited or registered: the workflow gives its nonces back.
    throw failure('DkgUnavailable', deps.dkgUnavailable ?? DKG_UNAVAILABLE);
  };
  return {
    async checkDkgOperators(): Promise<never> {
      return unavailable();
    },
    async runDkgCeremony(): Promise<never> {
      return unavailable();
    },
    async loadArchivedKeyshares(): Promise<never> {
      return unavailable();
    },
    markDkgCeremony: deps.dkgArchive
      ? createMarkDkgCeremony(deps.dkgArchive)
      : async (): Promise<never> => unavailable(),
  };
}

/** Stands in for the exit activities on a worker without a beacon node: a clear, final error. */
function exitsDisabled(): never {
  throw failure('BeaconNotConfigured', 'exits are disabled on this worker: no beacon node is configured (beacon.urls)');
}

/** Every activity, each converting its typed errors to Temporal failures at the boundary (typed-failure.ts). */
export function createActivities(deps: ActivityDependencies) {
  return atActivityBoundary({
    async describeWorker(): Promise<string> {
      return `${deps.workerName}@${hostname()} (pid ${process.pid})`;
    },
    ...(deps.creation ? withMnemonicBatch(createCreationActivities(deps.creation)) : {}),
    ...(deps.creation
      ? createWatchActivities({
          provider: deps.creation.provider,
          nexus: deps.creation.contracts.nexus,
          logMaxRange: deps.creation.logMaxRange,
          heads: deps.heads,
        })
      : {}),
    ...(deps.depositGuard ? createDepositGuardActivities(deps.depositGuard) : {}),
    ...(deps.registrar ? createRegistrarActivities(deps.registrar) : {}),
    ...(deps.registrar ? createBatchLookupActivities(deps.registrar) : {}),
    ...(deps.exits
      ? createExitActivities(deps.exits)
      : {
          readExitCandidates: exitsDisabled,
          broadcastMnemonicExits: exitsDisabled,
          submitValidatorExit: exitsDisabled,
          readExitProgress: exitsDisabled,
          notifyExitBalanceTransferred: exitsDisabled,
          reportExitsBlocked: exitsDisabled,
        }),
    // Reconciliation reads the chain, and the beacon node when the worker has one.
    ...(deps.creation
      ? createReconcileActivities({
          ...deps.creation,
          beacon: deps.exits?.beacon,
          archive: deps.dkg?.archive ?? deps.dkgArchive,
        })
      : {}),
    ...dkgActivities(deps),
    ...(deps.runway ? createRunwayActivities(deps.runway) : {}),
  });
}

export type Activities = ReturnType<typeof createActivities>;

/** The creation activities with the mnemonic batch's combined salt step, made of two of them. */
function withMnemonicBatch<A extends ReturnType<typeof createCreationActivities>>(creation: A) {
  return { ...creation, ...createMnemonicBatchActivities(creation) };
}
