// The DKG activities: runDkgCeremony (one batch's key material from ssv-dkg ceremonies on the owner
// nonces the registrar reserved) and markDkgCeremony (what became of it). Steps of a ceremony run:
//   1. the rollup's cluster from the chain (ids ascending, keys cross-checked, endpoints);
//   2. every operator health-checked (version = this binary's, key = the chain's): the first
//      failure fails the activity at once, naming the operator, before anything runs;
//   3. ceremonies of at most 100 validators, in nonce order (firstNonce, firstNonce+100, …), each
//      reused from the archive when a retry finds it, else workspace → ssv-dkg init → output
//      verified (readCeremonyOutput) → proofs checked with the chain's keys → archived.
// Only public material returns: deposit data and keyshares (shares encrypted to the operators).
import { Context } from '@temporalio/activity';
import type { Provider } from 'ethers';
import type { CeremonyOutput, KeysharesPayload, PublicDepositData } from '../types';
import { withFailureTypes } from '../typed-failure';
import { readClusterOperators } from '../chain/operators';
import type { ClusterOperator, ScanOptions } from '../chain/reads';
import { readCeremonyOutput, type CeremonyOutput as VerifiedCeremony } from '../keys/dkg-output';
import { VALIDATOR_DEPOSIT_GWEI } from '../keys/deposit-data';
import { CeremonyArchive, type ArchivedCeremony, type CeremonyKey } from './archive';
import { checkBinaryVersion, type ResolvedSsvDkg } from './binary';
import { DkgInvocationError } from './errors';
import { checkOperatorHealth } from './health-check';
import { verifyCeremonyProofs } from './proofs';
import { ceremonyTimeoutMs, DEFAULT_CEREMONY_TIMEOUT, runInit, type CeremonyTimeout } from './run-init';
import { MAX_VALIDATORS_PER_CEREMONY, prepareWorkspace, type DkgNetwork } from './workspace';

export interface DkgLogger {
  info(message: string, attrs?: Record<string, unknown>): void;
  warn(message: string, attrs?: Record<string, unknown>): void;
}

export interface DkgDependencies {
  provider: Provider;
  contracts: { nexus: string; nodeOperator: string; ssvNetwork: string };
  scan: ScanOptions;
  /** The fork version deposits are signed with (must be `network`'s: checked in the output). */
  genesisForkVersion: Uint8Array;
  network: DkgNetwork;
  binary: ResolvedSsvDkg;
  /** PEM of each operator's CA by id; operators without one are checked with the system CAs. */
  operatorCaPems?: Readonly<Record<number, string>>;
  workDir: string;
  archive: CeremonyArchive;
  timeout?: CeremonyTimeout;
  killGraceMs?: number;
  heartbeatEveryMs?: number;
  healthTimeoutMs?: number;
  /** Seams for tests; the real ones by default. */
  readOperators?: (clusterId: number) => Promise<ClusterOperator[]>;
  healthCheck?: typeof checkOperatorHealth;
  runInit?: typeof runInit;
  binaryVersion?: () => Promise<string>;
  log?: DkgLogger;
}

export interface RunDkgCeremonyInput {
  rollupAdmin: string;
  bridge: string;
  operatorCluster: number;
  firstNonce: number;
  count: number;
  requestId: string;
}

/** Before a reservation: the cluster's operators answer, on the binary's version, with their chain keys. */
export interface DkgClusterHealth {
  version: string;
  operators: { id: number; endpoint: string }[];
}

export interface MarkDkgCeremonyInput {
  rollupAdmin: string;
  requestId: string;
  state: 'deposited' | 'unused';
  reason?: string;
}

/** The ceremonies of a batch: at most 100 validators each, consecutive nonces, in order. */
export function planCeremonies(
  firstNonce: number,
  count: number,
  max = MAX_VALIDATORS_PER_CEREMONY,
): { firstNonce: number; count: number }[] {
  if (!Number.isSafeInteger(count) || count < 1)
    throw new DkgInvocationError(`a DKG batch needs a whole number ≥ 1 of validators, got ${count}`);
  const chunks: { firstNonce: number; count: number }[] = [];
  for (let done = 0; done < count; done += max)
    chunks.push({ firstNonce: firstNonce + done, count: Math.min(max, count - done) });
  return chunks;
}

/** The activity context's heartbeat, cancellation, logger and attempt, or none outside an activity (tests). */
function activityContext(): {
  heartbeat?: (d: unknown) => void;
  signal?: AbortSignal;
  log?: DkgLogger;
  attempt?: number;
} {
  try {
    const ctx = Context.current();
    return {
      heartbeat: (d) => ctx.heartbeat(d),
      signal: ctx.cancellationSignal,
      log: ctx.log,
      attempt: ctx.info.attempt,
    };
  } catch {
    return {};
  }
}

export function createDkgActivities(deps: DkgDependencies) {
  const readOperators =
    deps.readOperators ??
    ((clusterId: number) => readClusterOperators(deps.provider, deps.contracts, clusterId, deps.scan));
  const healthCheck = deps.healthCheck ?? checkOperatorHealth;
  const init = deps.runInit ?? runInit;
  let version: Promise<string> | undefined;
  const binaryVersion = () => {
    version ??= (deps.binaryVersion ?? (() => checkBinaryVersion(deps.binary.path)))();
    version.catch(() => {
      version = undefined;
    });
    return version;
  };
  const logger = () => deps.log ?? activityContext().log;

  async function verify(
    dir: string,
    input: RunDkgCeremonyInput,
    chunk: { firstNonce: number; count: number },
    operators: ClusterOperator[],
  ): Promise<VerifiedCeremony> {
    const output = await readCeremonyOutput(dir, {
      owner: deps.contracts.nexus,
      firstNonce: chunk.firstNonce,
      count: chunk.count,
      withdrawalAddress: input.bridge,
      operatorIds: operators.map((o) => o.id),
      genesisForkVersion: deps.genesisForkVersion,
      amountGwei: VALIDATOR_DEPOSIT_GWEI,
      operatorKeys: Object.fromEntries(operators.map((o) => [o.id, o.publicKeyBase64])),
    });
    await verifyCeremonyProofs(output.validators, deps.contracts.nexus, operators);
    return output;
  }

  async function oneCeremony(
    input: RunDkgCeremonyInput,
    chunk: { firstNonce: number; count: number },
    operators: ClusterOperator[],
    binaryVersionString: string,
  ): Promise<{ archived: ArchivedCeremony; output: VerifiedCeremony; reused: boolean }> {
    const key: CeremonyKey = { rollupAdmin: input.rollupAdmin, requestId: input.requestId, ...chunk };
    const earlier = deps.archive.find(key);
    if (earlier) {
      if (earlier.manifest.state !== 'verified') {
        throw new DkgInvocationError(
          `the archived ceremony ${earlier.dir} for nonces ${chunk.firstNonce}…${chunk.firstNonce + chunk.count - 1} is marked ${earlier.manifest.state}: refusing to reuse it or to run another on the same nonces`,
        );
      }
      // Nothing of it can be deposited: the deposit comes after this activity returns. Checked again.
      return { archived: earlier, output: await verify(earlier.ceremonyDir, input, chunk, operators), reused: true };
    }
    const ctx = activityContext();
    if ((ctx.attempt ?? 1) > 1) {
      // An earlier attempt may have been cut off mid-ceremony (its worker lost): whatever keys its
      // operators made were never verified nor archived, so they are never deposited. Said here, once per retry.
      logger()?.warn(
        `DKG ceremony run again: no archived ceremony of an earlier attempt for nonces ${chunk.firstNonce}…${chunk.firstNonce + chunk.count - 1}; keys an interrupted attempt's operators may hold are never deposited`,
        {
          rollupAdmin: input.rollupAdmin,
          requestId: input.requestId,
          attempt: ctx.attempt,
        },
      );
    }
    const workspace = prepareWorkspace({
      workDir: deps.workDir,
      operators,
      caPems: deps.operatorCaPems,
      owner: deps.contracts.nexus,
      firstNonce: chunk.firstNonce,
      validators: chunk.count,
      withdrawAddress: input.bridge,
      network: deps.network,
    });
    const { ceremonyDir } = await init({
      binary: deps.binary.path,
      workspace,
      validators: chunk.count,
      timeoutMs: ceremonyTimeoutMs(chunk.count, deps.timeout ?? DEFAULT_CEREMONY_TIMEOUT),
      killGraceMs: deps.killGraceMs,
      heartbeatEveryMs: deps.heartbeatEveryMs,
      heartbeat: ctx.heartbeat,
      signal: ctx.signal,
      failureContext: { operators, expectedVersion: binaryVersionString },
    });
    const output = await verify(ceremonyDir, input, chunk, operators);
    const archived = deps.archive.store(key, ceremonyDir, {
      operatorIds: operators.map((o) => o.id),
      pubkeys: output.validators.map((v) => v.pubkey),
      network: deps.network,
      binaryVersion: binaryVersionString,
    });
    return { archived, output, reused: false };
  }

  /** The cluster from the chain, every operator healthy on this binary's version with the chain's key. */
  async function healthyCluster(
    operatorCluster: number,
  ): Promise<{ operators: ClusterOperator[]; binaryVersionString: string }> {
    const binaryVersionString = await binaryVersion();
    const operators = await readOperators(operatorCluster);
    const caPems = deps.operatorCaPems ?? {};
    for (const op of operators) {
      await healthCheck(op, {
        expectedVersion: binaryVersionString,
        caPem: caPems[op.id],
        timeoutMs: deps.healthTimeoutMs,
      });
    }
    return { operators, binaryVersionString };
  }

  return {
    async checkDkgOperators(input: { rollupAdmin: string; operatorCluster: number }): Promise<DkgClusterHealth> {
      return withFailureTypes(async () => {
        const { operators, binaryVersionString } = await healthyCluster(input.operatorCluster);
        return {
          version: binaryVersionString,
          operators: operators.map((op) => ({ id: op.id, endpoint: op.dkgEndpoint })),
        };
      });
    },

    async runDkgCeremony(input: RunDkgCeremonyInput): Promise<CeremonyOutput> {
      return withFailureTypes(async () => {
        const chunks = planCeremonies(input.firstNonce, input.count);
        // Again here: the cluster or an endpoint may have changed since the check before the reservation.
        const { operators, binaryVersionString } = await healthyCluster(input.operatorCluster);
        const validators: CeremonyOutput['validators'] = [];
        const archives: string[] = [];
        for (const chunk of chunks) {
          const startedAt = Date.now();
          const { archived, output, reused } = await oneCeremony(input, chunk, operators, binaryVersionString);
          // elapsedMs: ssv-dkg init plus the output's verification and archiving (bench/dkg-creation.ts reads it).
          logger()?.info(
            `DKG ceremony ${reused ? 'reused from the archive' : 'done'}: nonces ${chunk.firstNonce}…${chunk.firstNonce + chunk.count - 1}`,
            {
              rollupAdmin: input.rollupAdmin,
              requestId: input.requestId,
              archive: archived.dir,
              validators: chunk.count,
              elapsedMs: Date.now() - startedAt,
            },
          );
          archives.push(archived.dir);
          for (const v of output.validators) {
            const deposit: PublicDepositData = {
              pubkey: v.depositData.pubkey,
              withdrawalCredentials: v.depositData.withdrawalCredentials,
              signature: v.depositData.signature,
              depositDataRoot: v.depositData.depositDataRoot,
            };
            const keyshares: KeysharesPayload = { ...v.keyshares, ownerNonce: v.nonce };
            validators.push({ deposit, keyshares });
          }
        }
        return {
          ceremonyId: archives.map((a) => a.slice(deps.archive.root.length + 1)).join(','),
          validators,
          archive: archives,
        };
      });
    },

    /**
     * Reconciliation: the archived keyshares of deposited DKG keys that were never registered,
     * verified again against the chain's operator keys (a cluster changed since fails here: the
     * keys need a resign). In nonce order; a key not in the request's archive is a named error.
     */
    async loadArchivedKeyshares(input: {
      rollupAdmin: string;
      bridge: string;
      operatorCluster: number;
      requestId: string;
      pubkeys: string[];
    }): Promise<KeysharesPayload[]> {
      return withFailureTypes(async () => {
        const wanted = new Set(input.pubkeys.map((k) => k.toLowerCase()));
        const operators = await readOperators(input.operatorCluster);
        const found: KeysharesPayload[] = [];
        for (const archived of deps.archive.listRequest(input.rollupAdmin, input.requestId)) {
          const m = archived.manifest;
          if (!m.pubkeys.some((k) => wanted.has(k.toLowerCase()))) continue;
          const run: RunDkgCeremonyInput = {
            rollupAdmin: input.rollupAdmin,
            bridge: input.bridge,
            operatorCluster: input.operatorCluster,
            firstNonce: m.firstNonce,
            count: m.count,
            requestId: input.requestId,
          };
          const output = await verify(
            archived.ceremonyDir,
            run,
            { firstNonce: m.firstNonce, count: m.count },
            operators,
          );
          for (const v of output.validators)
            if (wanted.has(v.depositData.pubkey.toLowerCase())) found.push({ ...v.keyshares, ownerNonce: v.nonce });
        }
        const missing = [...wanted].filter((k) => !found.some((f) => f.publicKey.toLowerCase() === k));
        if (missing.length > 0)
          throw new DkgInvocationError(
            `no archived keyshares of request ${input.requestId} for ${missing.join(', ')} in ${deps.archive.root}`,
          );
        return found.sort((a, b) => a.ownerNonce - b.ownerNonce);
      });
    },

    markDkgCeremony: createMarkDkgCeremony(deps.archive, deps.log),
  };
}

/**
 * markDkgCeremony alone: what became of a request's archived ceremonies ('deposited' after the
 * deposit, 'unused' when the batch gave its nonces back). Needs only the archive, so a worker
 * without ssv-dkg can still record it. 'unused' logs a WARN naming the archive folders.
 */
export function createMarkDkgCeremony(archive: CeremonyArchive, log?: DkgLogger) {
  return async function markDkgCeremony(input: MarkDkgCeremonyInput): Promise<{ archives: string[] }> {
    const logger = log ?? activityContext().log;
    const marked = archive.markRequest(input.rollupAdmin, input.requestId, input.state, input.reason);
    const archives = marked.map((m) => m.dir);
    if (archives.length === 0) {
      logger?.warn(`no archived DKG ceremony of this request on this worker to mark ${input.state}`, {
        rollupAdmin: input.rollupAdmin,
        requestId: input.requestId,
        archiveDir: archive.root,
      });
    } else if (input.state === 'unused') {
      logger?.warn('ceremony output never used: not deposited', {
        rollupAdmin: input.rollupAdmin,
        requestId: input.requestId,
        reason: input.reason,
        archives,
      });
    }
    return { archives };
  };
}
