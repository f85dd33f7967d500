// Creation of one batch of validators for one rollup (a child of the rollup monitor):
//   key material (mnemonic derivation, or a DKG ceremony on reserved SSV nonces)
//   → deposit through Nexus (checked on chain first: never twice, invariant 1)
//   → keyshares registered by the SSV registrar, in owner-nonce order (invariant 4).
// Secrets never enter this workflow: activities return public material only (invariant 3).
import {
  ActivityFailure, ApplicationFailure, condition, getExternalWorkflowHandle, log, patched, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { Duration, SearchAttributeUpdatePair } from '@temporalio/common';
import type { BotActivities } from '../activities/interface';
import type { KeyPath, KeysharesPayload, PublicDepositData } from '../activities/types';
import type { HeldKey } from '../activities/guard/types';
import { PhaseAttribute, ValidatorPubkeysAttribute, pubkeySearchKey } from '../temporal-config/search-attributes';
import {
  DKG_CEREMONY_OPTIONS, DKG_HEALTH_OPTIONS, DKG_HEALTH_RECHECK, GUARD_OPTIONS, KEY_MATERIAL_OPTIONS, LOCAL_READ_OPTIONS, LOCAL_SIGNAL_OPTIONS, READ_OPTIONS, SIGNAL_OPTIONS,
  TRANSACTION_OPTIONS,
} from './activity-options';
import { describeFailure } from './failures';
import { proxyRoleActivities } from './role-activities';
import { registrationResultProblem, rejected } from './message-checks';
import { creationStatusQuery, registrationResultSignal, stepStateSignal, type CreationStatus, type FundingHold } from '../protocol/messages';
import { installPauseGate } from './pause-gate';
import { createReportTracker } from './step-reports';
import type { RegistrationRequest, RegistrationResult } from '../protocol/registrar-types';

const { checkRegistrationFunding, checkSigningNetwork, markDkgCeremony } = proxyActivities<BotActivities>(READ_OPTIONS);
// The mnemonic's activities run where the salt is; the deposit where the chain writer is.
const { allocateKeyIndices } = proxyRoleActivities<BotActivities>('salt', READ_OPTIONS);
const { prepareMnemonicValidators, allocateAndPrepareMnemonicValidators } = proxyRoleActivities<BotActivities>('salt', KEY_MATERIAL_OPTIONS);
const { checkDkgOperators } = proxyActivities<BotActivities>(DKG_HEALTH_OPTIONS);
const { runDkgCeremony } = proxyActivities<BotActivities>(DKG_CEREMONY_OPTIONS);
const { submitDeposits } = proxyRoleActivities<BotActivities>('writer', TRANSACTION_OPTIONS);
const { guardDeposits } = proxyActivities<BotActivities>(GUARD_OPTIONS);
const { requestRegistration } = proxyActivities<BotActivities>(SIGNAL_OPTIONS);
const { registrarKnowsRequest } = proxyActivities<BotActivities>(READ_OPTIONS);
/** The same quick reads and hand-offs as local activities (a batch started with `fewerEvents`). */
const localReads = proxyLocalActivities<BotActivities>(LOCAL_READ_OPTIONS);
const localSignals = proxyLocalActivities<BotActivities>(LOCAL_SIGNAL_OPTIONS);
/** While it waits for the registrar's answer, how often a batch checks that its request is still held there. */
const REGISTRATION_CHECK_INTERVAL = '10 minutes';

export interface CreateValidatorsInput {
  rollupAdmin: string;
  bridge: string;
  operatorCluster: number;
  keyPath: KeyPath;
  count: number;
  /** While the registrations are not fundable, how often to check again (default 10 minutes; a resume signal checks at once). */
  fundingRecheckInterval?: Duration;
  /**
   * Issue 15 item 3, mnemonic batches: write fewer history events. Set by a monitor run that has
   * patched('monitor-fewer-events') (monitor/events.ts), so the change is behind that patch and
   * costs no patch of its own here (each patch writes a marker and a search-attribute upsert per
   * run: the batch's two older patches are known to hold for such a batch and are not asked either).
   * - the pre-deposit reads and the registrar hand-off run as local activities (one marker each,
   *   no activity events and no workflow task of their own);
   * - the monitor is told only what it cannot see otherwise (a pause hold, a funding hold), not
   *   every phase: the phase is in the batch's Phase search attribute (the Web UI) and its
   *   creationStatus query (the CLI's status and show);
   * - the pubkeys go out with the next phase in one upsert, the first phase with the start;
   * - key indices are allocated and the keys derived in one salt activity (phase 'allocating').
   * Batches started without it (histories from before) replay the remote activities and signals.
   */
  fewerEvents?: boolean;
}

const DEFAULT_FUNDING_RECHECK = '10 minutes';

export interface CreateValidatorsResult {
  /** Validators deposited by this batch. */
  deposited: string[];
  /** Of those, the ones whose keyshares are registered with SSV. */
  registered: string[];
  /** Deposited keys whose keyshares still need registering (with the reason), so the monitor tracks them. */
  unregistered: { pubkey: string; keyIndex?: number; reason: string }[];
  /** Keys the pre-deposit guard held: none of their ETH was sent (mnemonic batches; a DKG batch fails instead). */
  held?: HeldKey[];
}

export type CreationPhase = CreationStatus['phase'];

export async function createValidatorsWorkflow(input: CreateValidatorsInput): Promise<CreateValidatorsResult> {
  if (!Number.isInteger(input.count) || input.count < 1) {
    throw ApplicationFailure.nonRetryable(`count must be a positive integer, got ${input.count}`, 'InvalidInput');
  }
  const { workflowId, firstExecutionRunId } = workflowInfo();
  // Unique per batch: index allocation and transactions are keyed by it, so a retried activity
  // finds its own earlier work and a later batch (same workflow id) never reuses it. The first
  // execution's run id comes from the history itself, so a replay computes the same id.
  const requestId = `${workflowId}/${firstExecutionRunId}`;
  const results: RegistrationResult[] = [];
  setHandler(registrationResultSignal, (result) => {
    if (rejected('registrationResult', registrationResultProblem(result), result)) return;
    if (result.requestId === requestId) results.push(result);
  });
  const status: CreationStatus = { rollupAdmin: input.rollupAdmin, keyPath: input.keyPath, count: input.count, phase: 'allocating', pubkeys: [], paused: false };
  /** A mnemonic batch that writes fewer events (CreateValidatorsInput.fewerEvents). */
  const fewerEvents = input.keyPath === 'mnemonic' && input.fewerEvents === true;
  const reports = createReportTracker();
  const track = (report: Promise<void>) => reports.track(report);
  // The one salt step of a fewerEvents batch does both, under the phase 'allocating': a pause says so.
  const gate = installPauseGate(() => (fewerEvents && status.phase === 'allocating' ? 'phase allocating (key indices and key-material, one salt step)' : `phase ${status.phase}`), () => reportState());
  setHandler(creationStatusQuery, () => ({ ...status, pubkeys: [...status.pubkeys], paused: gate.paused, pauseReason: gate.pauseReason, hold: gate.hold }));
  const now = () => new Date().toISOString();
  /** Search attributes that go out with the next upsert (fewerEvents). */
  const pendingAttributes: SearchAttributeUpdatePair[] = [];
  /** The monitor was last told of a funding hold: it is told again when the batch moves on. */
  let monitorSeesFundingHold = false;
  const setPhase = (phase: CreationPhase) => {
    status.phase = phase;
    upsertSearchAttributes([...pendingAttributes.splice(0), { key: PhaseAttribute, value: phase }]);
    if (!fewerEvents || phase === 'awaiting-funding' || monitorSeesFundingHold) {
      monitorSeesFundingHold = phase === 'awaiting-funding';
      reportState();
    }
  };
  /** Before a wait of unknown length, the search attributes held back go out. */
  const flushAttributes = () => {
    if (pendingAttributes.length > 0) upsertSearchAttributes(pendingAttributes.splice(0));
  };
  const reads = () => (fewerEvents ? localReads : { checkRegistrationFunding, checkSigningNetwork, registrarKnowsRequest });
  const signals = () => (fewerEvents ? localSignals : { requestRegistration });
  /** The monitor shows where its creation stands (phase, pause) without querying it. */
  function reportState(): void {
    const parent = workflowInfo().parent?.workflowId;
    if (!parent) return;
    track(getExternalWorkflowHandle(parent).signal(stepStateSignal, { workflowId, order: reports.nextOrder(), phase: status.phase, hold: gate.hold, funding: status.funding, operators: status.operators }).catch((err: unknown) => {
      log.warn('could not tell the monitor where the creation stands', { monitor: parent, error: describeFailure(err) });
    }));
  }
  /**
   * The registrar's answer to `request`. Not forever blind: every REGISTRATION_CHECK_INTERVAL the
   * wait is reported (WARN, status), and a request the registrar no longer holds (it was terminated
   * with its queue, or reset) is sent again; registering a key found registered already is a no-op.
   */
  const awaitResult = async (request: RegistrationRequest) => {
    if (!fewerEvents && !patched('registration-wait-check')) {
      await condition(() => results.length > 0);
      return results.shift() as RegistrationResult;
    }
    const since = now();
    for (let checks = 1; !(await condition(() => results.length > 0, REGISTRATION_CHECK_INTERVAL)); checks++) {
      const known = await reads().registrarKnowsRequest({ requestId: request.requestId });
      if (results.length > 0) break; // the answer came while we asked
      status.registrationWait = { kind: request.kind, since, checks, resent: (status.registrationWait?.resent ?? 0) + (known ? 0 : 1) };
      log.warn('creation: still waiting for the SSV registrar', { requestId: request.requestId, kind: request.kind, since, checks, registrarHoldsIt: known });
      if (!known) await signals().requestRegistration(request);
    }
    status.registrationWait = undefined;
    return results.shift() as RegistrationResult;
  };

  try {
    return input.keyPath === 'mnemonic' ? await createMnemonicBatch() : await createDkgBatch();
  } finally {
    await reports.flush();
  }

  async function createMnemonicBatch(): Promise<CreateValidatorsResult> {
    // A fewerEvents batch is started with its Phase 'allocating' (the monitor sets it with the start).
    if (!fewerEvents) setPhase('allocating');
    await gate.holdAt('before key-index allocation (nothing done yet)');
    const validators = fewerEvents
      // One salt activity allocates and derives (no safe point lay between the two): phase 'allocating' throughout.
      ? await allocateAndPrepareMnemonicValidators({ rollupAdmin: input.rollupAdmin, bridge: input.bridge, operatorCluster: input.operatorCluster, requestId, count: input.count })
      : await prepareInTwoSteps();
    // The keys are made: a hold or pause from here says so (the status only: no upsert, no event).
    if (fewerEvents) status.phase = 'key-material';
    const pubkeys = validators.map((v) => v.deposit.pubkey);
    status.pubkeys = pubkeys;
    const pubkeysAttribute: SearchAttributeUpdatePair = { key: ValidatorPubkeysAttribute, value: pubkeys.map(pubkeySearchKey) };
    if (fewerEvents) pendingAttributes.push(pubkeysAttribute);
    else upsertSearchAttributes([pubkeysAttribute]);

    // Safe: the keys are allocated and recorded, nothing is on chain. A resumed batch deposits them.
    if (gate.paused) flushAttributes();
    await gate.holdAt('before the deposit (keys made, nothing on chain)');
    await awaitFundableRegistrations('before the deposit (keys made, nothing on chain)');
    setPhase('depositing');
    gate.finishing('deposit and keyshare registration: deposited keys must get their keyshares');
    // Mnemonic keys are independent (keyshares are built per key at registration, for the nonce of
    // that moment): a held key is left out and the others go on. Its index stays spent (invariant 2).
    const passed = await guard(validators.map((v) => v.deposit));
    const depositing = validators.filter((v) => passed.has(v.deposit.pubkey));
    const held = status.guard?.held.length ? { held: status.guard.held } : {};
    if (depositing.length === 0) {
      setPhase('done');
      return { deposited: [], registered: [], unregistered: [], ...held };
    }
    await deposit(depositing.map((v) => v.deposit));

    setPhase('registering');
    const registration: RegistrationRequest = {
      kind: 'mnemonic', requestId, requester: workflowId, rollupAdmin: input.rollupAdmin, operatorCluster: input.operatorCluster,
      keys: depositing.map((v) => ({ pubkey: v.deposit.pubkey, keyIndex: v.keyIndex })),
    };
    await signals().requestRegistration(registration);
    const result = await awaitResult(registration);
    setPhase('done');
    const registered = result.kind === 'registered' || result.kind === 'failed' ? result.registered.map((r) => r.pubkey) : [];
    return {
      deposited: depositing.map((v) => v.deposit.pubkey),
      registered,
      unregistered: depositing
        .filter((v) => !registered.includes(v.deposit.pubkey))
        .map((v) => ({ pubkey: v.deposit.pubkey, keyIndex: v.keyIndex, reason: result.kind === 'failed' ? result.reason : 'no answer' })),
      ...held,
    };
  }

  /** Histories from before fewerEvents: allocation and derivation as two activities, a phase each. */
  async function prepareInTwoSteps() {
    const keyIndices = await allocateKeyIndices({ rollupAdmin: input.rollupAdmin, requestId, count: input.count });
    setPhase('key-material');
    return prepareMnemonicValidators({ rollupAdmin: input.rollupAdmin, bridge: input.bridge, operatorCluster: input.operatorCluster, keyIndices, requestId });
  }

  // DKG: the ceremony's keyshares are signed for the owner nonces the registrar reserves now.
  async function createDkgBatch(): Promise<CreateValidatorsResult> {
    setPhase('reserving-nonces');
    await gate.holdAt('before the ceremony (nothing done yet)');
    // Held here, before any nonce is reserved: a reservation blocks every rollup's registrations.
    await awaitFundableRegistrations('before the ceremony (nothing done yet)');
    // Every operator answers on the right version with its chain key before anything is reserved:
    // one that is down delays the batch here (checked again with backoff), holding no nonces.
    await awaitHealthyOperators();
    setPhase('reserving-nonces');
    // Not stoppable from here on: the reserved SSV owner nonces hold every rollup's registrations,
    // so a begun reservation is run through ceremony, deposit and registration (or given back on failure).
    gate.finishing('nonce reservation, ceremony, deposit and registration (reserved SSV nonces block every rollup)');
    const reserve: RegistrationRequest = { kind: 'dkg-reserve', requestId, requester: workflowId, rollupAdmin: input.rollupAdmin, count: input.count };
    await requestRegistration(reserve);
    const grant = await awaitResult(reserve);
    if (grant.kind !== 'granted') throw ApplicationFailure.nonRetryable(`no SSV nonce reservation: ${grant.kind === 'failed' ? grant.reason : grant.kind}`, 'NonceReservationFailed');

    let pubkeys: string[];
    let keyshares: KeysharesPayload[];
    let ceremonyRan = false;
    let depositSent = false;
    try {
      setPhase('key-material');
      const ceremony = await runDkgCeremony({
        rollupAdmin: input.rollupAdmin, bridge: input.bridge, operatorCluster: input.operatorCluster,
        firstNonce: grant.firstNonce, count: input.count, requestId,
      });
      ceremonyRan = true;
      pubkeys = ceremony.validators.map((v) => v.deposit.pubkey);
      status.pubkeys = pubkeys;
      keyshares = ceremony.validators.map((v) => v.keyshares);
      upsertSearchAttributes([{ key: ValidatorPubkeysAttribute, value: pubkeys.map(pubkeySearchKey) }]);
      setPhase('depositing');
      // Checked again (the ceremony took minutes); now failing the batch, which gives the nonces back.
      await checkSigningNetwork();
      const funding = await checkRegistrationFunding({ rollupAdmin: input.rollupAdmin, operatorCluster: input.operatorCluster, count: input.count });
      if (!funding.ok) throw ApplicationFailure.nonRetryable(`not deposited: ${funding.message ?? funding.reason}`, 'RegistrationUnfundable');
      // The keyshares are signed for consecutive nonces: leaving one key out would put every later
      // key of the batch one nonce off (ignored by every SSV node), and a held key cannot burn its
      // nonce (Nexus registers only deposited keys). So one held key holds the whole ceremony:
      // nothing deposited, the nonces given back (below), the next batch runs a new ceremony.
      const passed = await guard(ceremony.validators.map((v) => v.deposit));
      if (passed.size < pubkeys.length) {
        const held = status.guard?.held ?? [];
        throw ApplicationFailure.nonRetryable(
          `pre-deposit guard held ${held.length} of ${pubkeys.length} key(s) of this DKG ceremony; nothing deposited, its SSV nonces given back: ${describeHeld(held)}`,
          'DepositGuardHeld');
      }
      depositSent = true;
      await deposit(ceremony.validators.map((v) => v.deposit));
    } catch (err) {
      // A ceremony whose output will never be deposited is reported as such (its archive stays:
      // the operators hold shares of those keys); one whose deposit was attempted keeps its state.
      if (ceremonyRan && !depositSent) {
        await markDkgCeremony({ rollupAdmin: input.rollupAdmin, requestId, state: 'unused', reason: describeFailure(err) })
          .catch((markErr: unknown) => log.warn('could not mark the ceremony unused', { requestId, error: describeFailure(markErr) }));
      }
      // Nothing was registered: give the nonce range back so that the sequence moves on.
      await requestRegistration({ kind: 'dkg-abandon', requestId, requester: workflowId, reason: describeFailure(err) });
      throw err;
    }
    // Bookkeeping only: whatever it answers, deposited keys go on to their registration.
    await markDkgCeremony({ rollupAdmin: input.rollupAdmin, requestId, state: 'deposited' })
      .catch((err: unknown) => log.warn('could not mark the ceremony deposited in its archive', { requestId, error: describeFailure(err) }));

    setPhase('registering');
    const register: RegistrationRequest = { kind: 'dkg-register', requestId, requester: workflowId, rollupAdmin: input.rollupAdmin, keyshares };
    await requestRegistration(register);
    const result = await awaitResult(register);
    setPhase('done');
    const registered = result.kind === 'granted' ? [] : result.registered.map((r) => r.pubkey);
    return {
      deposited: pubkeys,
      registered,
      unregistered: pubkeys
        .filter((p) => !registered.includes(p))
        .map((pubkey) => ({ pubkey, reason: result.kind === 'failed' ? `${result.reason} (keyshares stale: resign needed)` : 'no answer' })),
    };
  }

  /**
   * Invariant 9: the deposit fork version is the connected network's (a mismatch fails the batch
   * for good), and the batch's SSV registrations will go through. Until they will, the batch holds
   * here, deposits nothing, says why (status, monitor, WARN log, metric) and checks again on a
   * durable timer or at once on a resume signal; a pause holds it at `safePoint`.
   */
  async function awaitFundableRegistrations(safePoint: string): Promise<void> {
    for (;;) {
      await reads().checkSigningNetwork();
      const funding = await reads().checkRegistrationFunding({ rollupAdmin: input.rollupAdmin, operatorCluster: input.operatorCluster, count: input.count });
      if (funding.ok) {
        if (status.funding) log.info('creation batch: SSV registrations fundable again, going on', { rollupAdmin: input.rollupAdmin, heldSince: status.funding.since });
        status.funding = undefined;
        return;
      }
      const at = now();
      const hold: FundingHold = {
        reason: funding.reason ?? 'nexus-ssv-short', message: funding.message ?? 'registrations not fundable',
        since: status.funding?.since ?? at, lastCheck: at, checks: (status.funding?.checks ?? 0) + 1,
      };
      status.funding = hold;
      setPhase('awaiting-funding');
      log.warn('creation batch held before its deposit: its SSV registrations would not go through; nothing deposited', {
        rollupAdmin: input.rollupAdmin, reason: hold.reason, problem: hold.message, totalWei: funding.totalWei, nexusTokensWei: funding.nexusTokensWei,
      });
      const resumes = gate.resumes;
      await condition(() => gate.resumes > resumes || gate.paused, input.fundingRecheckInterval ?? DEFAULT_FUNDING_RECHECK);
      if (gate.paused) flushAttributes();
      await gate.holdAt(safePoint);
    }
  }

  /**
   * Checks the rollup's DKG operators until every one is healthy. A check that fails for a reason
   * that may pass (an operator down, an RPC error) holds the batch here, with nothing reserved,
   * and says why (status, monitor, WARN log) until the next check: a durable timer with backoff, or
   * at once on a resume signal. A wrong key or version fails the batch (not retryable).
   */
  async function awaitHealthyOperators(): Promise<void> {
    for (let checks = 1; ; checks++) {
      try {
        await checkDkgOperators({ rollupAdmin: input.rollupAdmin, operatorCluster: input.operatorCluster });
      } catch (err) {
        if (err instanceof ActivityFailure && err.retryState === 'NON_RETRYABLE_FAILURE') throw err;
        const waitMs = Math.min(DKG_HEALTH_RECHECK.initialMs * 2 ** Math.min(checks - 1, 16), DKG_HEALTH_RECHECK.maximumMs);
        const at = now();
        status.operators = {
          problem: describeFailure(err), since: status.operators?.since ?? at, lastCheck: at, checks, nextCheck: new Date(Date.now() + waitMs).toISOString(),
        };
        log.warn('DKG creation batch waits for its operators; nothing reserved', { rollupAdmin: input.rollupAdmin, problem: status.operators.problem, checks });
        reportState();
        const resumes = gate.resumes;
        await condition(() => gate.resumes > resumes || gate.paused, waitMs);
        await gate.holdAt('before the ceremony (nothing done yet)');
        continue;
      }
      if (status.operators) {
        log.info('DKG operators healthy again, going on', { rollupAdmin: input.rollupAdmin, waitingSince: status.operators.since, checks });
        status.operators = undefined;
        reportState();
      }
      return;
    }
  }

  /**
   * Issue 13 item 8: the four pre-deposit checks, just before the deposit. Returns the keys that
   * passed; held ones are in the status (with every failed check) and an ERROR line (the activity
   * also logs one and counts nexus_deposit_guard_held_total). Histories from before the guard
   * existed replay without it (patched).
   */
  async function guard(deposits: PublicDepositData[]): Promise<Set<string>> {
    if (!fewerEvents && !patched('predeposit-guard')) return new Set(deposits.map((d) => d.pubkey));
    const verdict = await guardDeposits({ rollupAdmin: input.rollupAdmin, bridge: input.bridge, deposits });
    status.guard = { held: verdict.held, skipped: verdict.skipped.map((s) => s.check), blockNumber: verdict.blockNumber };
    if (verdict.held.length > 0) {
      log.error('creation batch: pre-deposit guard held key(s), none of their ETH sent', {
        rollupAdmin: input.rollupAdmin, keyPath: input.keyPath, held: describeHeld(verdict.held), passed: verdict.passed.length,
      });
    }
    return new Set(verdict.passed);
  }

  async function deposit(deposits: PublicDepositData[]): Promise<void> {
    await submitDeposits({ rollupAdmin: input.rollupAdmin, requestId, deposits });
  }
}

/** One line per held key and failed check (workflow-side twin of activities/guard/checks.ts). */
function describeHeld(held: readonly HeldKey[]): string {
  return held.map((h) => `${h.pubkey}: ${h.failures.map((f) => `[${f.check}] ${f.reason}`).join(' | ')}`).join('; ');
}
