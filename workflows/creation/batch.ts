// One creation batch's memory and its dealings with the outside: its status (query), its Phase
// search attribute, the reports to its monitor, the pause gate, and the registrar's answers.
// The key paths (mnemonic.ts, dkg.ts) and the holds before the deposit (holds.ts) act through it.
import {
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { BotActivities } from '../../activities/interface';
import { PhaseAttribute } from '../../temporal-config/search-attributes';
import {
  creationStatusQuery,
  registrationResultSignal,
  stepStateSignal,
  type CreationStatus,
} from '../../protocol/messages';
import type { RegistrationRequest, RegistrationResult } from '../../protocol/registrar-types';
import { LOCAL_READ_OPTIONS, LOCAL_SIGNAL_OPTIONS, READ_OPTIONS, SIGNAL_OPTIONS } from '../activity-options';
import { describeFailure } from '../failures';
import { registrationResultProblem, rejected } from '../message-checks';
import { installPauseGate, type PauseGate } from '../pause-gate';
import { createReportTracker, type ReportTracker } from '../step-reports';
import type { CreateValidatorsInput, CreationPhase } from './input';

const { checkRegistrationFunding, checkSigningNetwork, registrarKnowsRequest } =
  proxyActivities<BotActivities>(READ_OPTIONS);
const { requestRegistration } = proxyActivities<BotActivities>(SIGNAL_OPTIONS);
/** The same quick reads and hand-offs as local activities (a batch started with `fewerEvents`). */
const localReads = proxyLocalActivities<BotActivities>(LOCAL_READ_OPTIONS);
const localSignals = proxyLocalActivities<BotActivities>(LOCAL_SIGNAL_OPTIONS);
/** While it waits for the registrar's answer, how often a batch checks that its request is still held there. */
const REGISTRATION_CHECK_INTERVAL = '10 minutes';

export class CreationBatch {
  readonly workflowId: string;
  /**
   * Unique per batch: index allocation and transactions are keyed by it, so a retried activity
   * finds its own earlier work and a later batch (same workflow id) never reuses it. The first
   * execution's run id comes from the history itself, so a replay computes the same id.
   */
  readonly requestId: string;
  private readonly results: RegistrationResult[] = [];
  readonly status: CreationStatus;
  /** A mnemonic batch that writes fewer events (CreateValidatorsInput.fewerEvents). */
  readonly fewerEvents: boolean;
  readonly reports: ReportTracker;
  readonly gate: PauseGate;
  /** Search attributes that go out with the next upsert (fewerEvents). */
  readonly pendingAttributes: SearchAttributeUpdatePair[] = [];
  /** The monitor was last told of a funding hold: it is told again when the batch moves on. */
  private monitorSeesFundingHold = false;

  constructor(readonly input: CreateValidatorsInput) {
    const { workflowId, firstExecutionRunId } = workflowInfo();
    this.workflowId = workflowId;
    this.requestId = `${workflowId}/${firstExecutionRunId}`;
    setHandler(registrationResultSignal, (result) => {
      if (rejected('registrationResult', registrationResultProblem(result), result)) return;
      if (result.requestId === this.requestId) this.results.push(result);
    });
    const status: CreationStatus = {
      rollupAdmin: input.rollupAdmin,
      keyPath: input.keyPath,
      count: input.count,
      phase: 'allocating',
      pubkeys: [],
      paused: false,
    };
    this.status = status;
    const fewerEvents = input.keyPath === 'mnemonic' && input.fewerEvents === true;
    this.fewerEvents = fewerEvents;
    this.reports = createReportTracker();
    // The one salt step of a fewerEvents batch does both, under the phase 'allocating': a pause says so.
    const gate = installPauseGate(
      () =>
        fewerEvents && status.phase === 'allocating'
          ? 'phase allocating (key indices and key-material, one salt step)'
          : `phase ${status.phase}`,
      () => this.reportState(),
    );
    this.gate = gate;
    setHandler(creationStatusQuery, () => ({
      ...status,
      pubkeys: [...status.pubkeys],
      paused: gate.paused,
      pauseReason: gate.pauseReason,
      hold: gate.hold,
    }));
  }

  now(): string {
    return new Date().toISOString();
  }

  setPhase(phase: CreationPhase): void {
    this.status.phase = phase;
    upsertSearchAttributes([...this.pendingAttributes.splice(0), { key: PhaseAttribute, value: phase }]);
    if (!this.fewerEvents || phase === 'awaiting-funding' || this.monitorSeesFundingHold) {
      this.monitorSeesFundingHold = phase === 'awaiting-funding';
      this.reportState();
    }
  }

  /** Before a wait of unknown length, the search attributes held back go out. */
  flushAttributes(): void {
    if (this.pendingAttributes.length > 0) upsertSearchAttributes(this.pendingAttributes.splice(0));
  }

  reads() {
    return this.fewerEvents ? localReads : { checkRegistrationFunding, checkSigningNetwork, registrarKnowsRequest };
  }

  signals() {
    return this.fewerEvents ? localSignals : { requestRegistration };
  }

  /** The monitor shows where its creation stands (phase, pause) without querying it. */
  reportState(): void {
    const parent = workflowInfo().parent?.workflowId;
    if (!parent) return;
    const { workflowId, status, gate, reports } = this;
    reports.track(
      getExternalWorkflowHandle(parent)
        .signal(stepStateSignal, {
          workflowId,
          order: reports.nextOrder(),
          phase: status.phase,
          hold: gate.hold,
          funding: status.funding,
          operators: status.operators,
        })
        .catch((err: unknown) => {
          log.warn('could not tell the monitor where the creation stands', {
            monitor: parent,
            error: describeFailure(err),
          });
        }),
    );
  }

  /**
   * The registrar's answer to `request`. Not forever blind: every REGISTRATION_CHECK_INTERVAL the
   * wait is reported (WARN, status), and a request the registrar no longer holds (it was terminated
   * with its queue, or reset) is sent again; registering a key found registered already is a no-op.
   */
  async awaitResult(request: RegistrationRequest): Promise<RegistrationResult> {
    const { results, status } = this;
    if (!this.fewerEvents && !patched('registration-wait-check')) {
      await condition(() => results.length > 0);
      return results.shift() as RegistrationResult;
    }
    const since = this.now();
    for (let checks = 1; !(await condition(() => results.length > 0, REGISTRATION_CHECK_INTERVAL)); checks++) {
      const known = await this.reads().registrarKnowsRequest({ requestId: request.requestId });
      if (results.length > 0) break; // the answer came while we asked
      status.registrationWait = {
        kind: request.kind,
        since,
        checks,
        resent: (status.registrationWait?.resent ?? 0) + (known ? 0 : 1),
      };
      log.warn('creation: still waiting for the SSV registrar', {
        requestId: request.requestId,
        kind: request.kind,
        since,
        checks,
        registrarHoldsIt: known,
      });
      if (!known) await this.signals().requestRegistration(request);
    }
    status.registrationWait = undefined;
    return results.shift() as RegistrationResult;
  }
}
