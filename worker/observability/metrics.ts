// The bot's Prometheus metrics (prom-client), in one registry per worker process. The SDK's own
// metrics (temporal_*) come from the Temporal Runtime's exporter and are appended to this
// registry's text by the metrics server (server.ts), so that one endpoint serves both.
import { formatEther } from 'ethers';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { DomainMetricsSink } from '../../activities/metrics-sink';
import type { FundingProblem } from '../../activities/types';

const FUNDING_PROBLEMS: readonly FundingProblem[] = ['nexus-ssv-short', 'cluster-liquidatable', 'cluster-liquidated'];
import type { TxEvent } from '../../activities/chain/tx-manager';

/** Counts of running creation and exit workflows, read from Temporal visibility. */
export interface InflightSource {
  count(): Promise<{ ceremonies: number; exits: number }>;
}

export interface BotMetricsOptions {
  /** Process metrics (process_*, nodejs_*) as well. Default true. */
  defaultMetrics?: boolean;
  /** How long an in-flight count is reused before Temporal is asked again. Default 15 s. */
  inflightCacheMs?: number;
  /** Called when the in-flight count fails (the gauges keep their last values). */
  onInflightError?: (err: unknown) => void;
  now?: () => number;
}

/** Keep at most this many transaction hashes to count each one once. */
const COUNTED_HASHES = 10_000;

export class BotMetrics implements DomainMetricsSink {
  readonly registry = new Registry();
  readonly validatorsCreatedTotal: Counter<'rollup'>;
  readonly validatorsExitSubmittedTotal: Counter<'rollup'>;
  readonly validatorsExitedTotal: Counter<'rollup'>;
  readonly exitsBlockedGauge: Gauge<'rollup' | 'reason'>;
  readonly inflightCeremonies: Gauge;
  readonly inflightExits: Gauge;
  readonly lastSuccessfulPoll: Gauge<'rollup'>;
  readonly lastSuccessfulWatch: Gauge;
  readonly transactionFeeWeiTotal: Counter<'label'>;
  readonly transactionsTotal: Counter<'label' | 'event'>;
  readonly activityErrorsTotal: Counter<'activity' | 'type'>;
  readonly stuckSteps: Gauge;
  readonly stuckStepsTotal: Counter<'activity'>;
  readonly registrationUnfundable: Gauge<'rollup' | 'reason'>;
  readonly clusterRunwayBlocks: Gauge<'cluster'>;
  readonly clusterRunwayDays: Gauge<'cluster'>;
  readonly clusterTopUpsTotal: Counter<'cluster'>;
  readonly clusterTopUpSsvTotal: Counter<'cluster'>;
  readonly topUpBudgetLeftSsv: Gauge;
  readonly depositGuardHeldTotal: Counter<'rollup' | 'check'>;
  readonly registrationsHalted: Gauge;

  private inflightSource?: InflightSource;
  private inflightCache?: { at: number; value: Promise<void> };
  private readonly countedHashes = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly opts: BotMetricsOptions = {}) {
    this.now = opts.now ?? Date.now;
    const registers = [this.registry];
    this.validatorsCreatedTotal = new Counter({
      name: 'nexus_validators_created_total',
      help: 'Validators deposited through Nexus (depositValidatorRollup mined), by rollup admin.',
      labelNames: ['rollup'],
      registers,
    });
    this.validatorsExitSubmittedTotal = new Counter({
      name: 'nexus_validators_exit_submitted_total',
      help: 'Validator exits submitted to Nexus (validatorExit mined), by rollup admin.',
      labelNames: ['rollup'],
      registers,
    });
    this.validatorsExitedTotal = new Counter({
      name: 'nexus_validators_exited_total',
      help: 'Validators accounted exited in Nexus after their ETH came back (validatorExitBalanceTransferred mined), by rollup admin.',
      labelNames: ['rollup'],
      registers,
    });
    this.depositGuardHeldTotal = new Counter({
      name: 'nexus_deposit_guard_held_total',
      help: 'Keys the pre-deposit guard held (none of their ETH sent), by rollup admin and failed check (beacon, deposit-contract, ssv-network, deposit-signature); alert on any increase.',
      labelNames: ['rollup', 'check'],
      registers,
    });
    this.exitsBlockedGauge = new Gauge({
      name: 'nexus_exits_blocked',
      help: 'Exits the staking limit requires that the bot refuses to start (e.g. DKG validators on Nexus v2024-03), by rollup admin and reason; alert on > 0.',
      labelNames: ['rollup', 'reason'],
      registers,
    });
    // The in-flight gauges count workflows, not what this process happens to run: a ceremony or an
    // exit batch sleeps on durable timers for minutes or days with no activity running anywhere,
    // and any worker of the task queue may run its next step. So they ask Temporal visibility
    // (CountWorkflowExecutions over running workflows of the type) when scraped, reused for
    // inflightCacheMs. Every worker reports the same namespace-wide number: aggregate with max().
    const refresh = () => this.refreshInflight();
    this.inflightCeremonies = new Gauge({
      name: 'nexus_inflight_ceremonies',
      help: 'Running validator creation batches (createValidatorsWorkflow: DKG ceremony or mnemonic keys, then deposit and SSV registration), namespace-wide, from Temporal visibility.',
      registers,
      collect: refresh,
    });
    this.inflightExits = new Gauge({
      name: 'nexus_inflight_exits',
      help: 'Running exit batches (exitValidatorsWorkflow), namespace-wide, from Temporal visibility.',
      registers,
      collect: refresh,
    });
    this.lastSuccessfulPoll = new Gauge({
      name: 'nexus_last_successful_poll_timestamp_seconds',
      help: 'Unix time of the last successful chain read of the rollup by its monitor (readRollup activity) on this worker.',
      labelNames: ['rollup'],
      registers,
    });
    this.lastSuccessfulWatch = new Gauge({
      name: 'nexus_last_successful_watch_timestamp_seconds',
      help: "Unix time of the chain watcher's last successful poll (detectRollupChanges or waitForRollupChanges activity) on this worker.",
      registers,
    });
    this.transactionFeeWeiTotal = new Counter({
      name: 'nexus_transaction_fee_wei_total',
      help: 'Fees paid by the bot account (gasUsed × effectiveGasPrice of each mined or reverted transaction, wei), by transaction label.',
      labelNames: ['label'],
      registers,
    });
    this.transactionsTotal = new Counter({
      name: 'nexus_transactions_total',
      help: 'Transaction manager events (sent, replaced, mined, reverted, dropped, fee-ceiling, ...), by transaction label.',
      labelNames: ['label', 'event'],
      registers,
    });
    this.activityErrorsTotal = new Counter({
      name: 'nexus_activity_errors_total',
      help: 'Failed activity attempts, by activity and failure type (ApplicationFailure type, else the error name).',
      labelNames: ['activity', 'type'],
      registers,
    });
    this.stuckSteps = new Gauge({
      name: 'nexus_stuck_steps',
      help: 'Activity attempts on this worker running longer than observability.stuckAfterSeconds right now.',
      registers,
    });
    this.stuckStepsTotal = new Counter({
      name: 'nexus_stuck_steps_total',
      help: 'Activity attempts that ran longer than observability.stuckAfterSeconds, by activity.',
      labelNames: ['activity'],
      registers,
    });
    this.registrationUnfundable = new Gauge({
      name: 'nexus_registration_unfundable',
      help: "Whether the rollup's creation batch is held before its deposit because its SSV registrations could not go through (1), by reason (nexus-ssv-short, cluster-liquidatable, cluster-liquidated), as of the last check on this worker.",
      labelNames: ['rollup', 'reason'],
      registers,
    });
    // Cluster runway (workflows/cluster-runway.ts). +Inf: the cluster has no validators, nothing burns.
    this.clusterRunwayBlocks = new Gauge({
      name: 'nexus_cluster_runway_blocks',
      help: 'Blocks before the Nexus SSV cluster becomes liquidatable at its current burn rate, by operator ids (0: liquidatable or liquidated).',
      labelNames: ['cluster'],
      registers,
    });
    this.clusterRunwayDays = new Gauge({
      name: 'nexus_cluster_runway_days',
      help: 'nexus_cluster_runway_blocks in days at chain.blockTimeSeconds, by operator ids; alert below runway.alertBelowDays.',
      labelNames: ['cluster'],
      registers,
    });
    this.clusterTopUpsTotal = new Counter({
      name: 'nexus_cluster_topups_total',
      help: 'Top-ups of a Nexus SSV cluster from the bot account (SSVNetwork.deposit mined), by operator ids.',
      labelNames: ['cluster'],
      registers,
    });
    this.clusterTopUpSsvTotal = new Counter({
      name: 'nexus_cluster_topup_ssv_total',
      help: 'SSV tokens the bot account deposited into Nexus SSV clusters, by operator ids.',
      labelNames: ['cluster'],
      registers,
    });
    this.topUpBudgetLeftSsv = new Gauge({
      name: 'nexus_cluster_topup_budget_left_ssv',
      help: 'SSV tokens the runway watcher may still spend on top-ups in the current rolling budget period (runway.budgetSsv per runway.budgetPeriodDays).',
      registers,
    });
    this.registrationsHalted = new Gauge({
      name: 'nexus_ssv_registrations_halted',
      help: 'SSV registrations halted for every rollup (1): a registration landed at another owner nonce than its keyshares were signed for; an operator must act (nexus-bot registrar resume). Alert on 1.',
      registers,
    });
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the in-flight gauges come from (set once a Temporal client exists). */
  setInflightSource(source: InflightSource): void {
    this.inflightSource = source;
    this.inflightCache = undefined;
  }

  validatorsCreated(rollupAdmin: string, count: number, txHash: string): void {
    if (this.firstTime(`created:${txHash}`))
      this.validatorsCreatedTotal.inc({ rollup: rollupAdmin.toLowerCase() }, count);
  }

  validatorsExitSubmitted(rollupAdmin: string, count: number, txHash: string): void {
    if (this.firstTime(`exit-submitted:${txHash}`))
      this.validatorsExitSubmittedTotal.inc({ rollup: rollupAdmin.toLowerCase() }, count);
  }

  validatorsExited(rollupAdmin: string, count: number, txHash: string): void {
    if (this.firstTime(`exited:${txHash}`))
      this.validatorsExitedTotal.inc({ rollup: rollupAdmin.toLowerCase() }, count);
  }

  registrationFunding(rollupAdmin: string, problem: FundingProblem | undefined): void {
    const rollup = rollupAdmin.toLowerCase();
    for (const reason of FUNDING_PROBLEMS)
      this.registrationUnfundable.set({ rollup, reason }, reason === problem ? 1 : 0);
  }

  depositGuardHeld(rollupAdmin: string, check: string, count: number): void {
    this.depositGuardHeldTotal.inc({ rollup: rollupAdmin.toLowerCase(), check }, count);
  }

  ssvRegistrationsHalted(halted: boolean): void {
    this.registrationsHalted.set(halted ? 1 : 0);
  }

  exitsBlocked(rollupAdmin: string, reason: string, count: number): void {
    this.exitsBlockedGauge.set({ rollup: rollupAdmin.toLowerCase(), reason }, count);
  }

  clusterRunway(cluster: string, runwayBlocks: number | null, runwayDays: number | null): void {
    this.clusterRunwayBlocks.set({ cluster }, runwayBlocks ?? Number.POSITIVE_INFINITY);
    this.clusterRunwayDays.set({ cluster }, runwayDays ?? Number.POSITIVE_INFINITY);
  }

  clusterTopUp(cluster: string, amountWei: string, txHash: string): void {
    if (!this.firstTime(`topup:${txHash}`)) return;
    this.clusterTopUpsTotal.inc({ cluster });
    this.clusterTopUpSsvTotal.inc({ cluster }, Number(formatEther(amountWei)));
  }

  topUpBudgetLeft(wei: string): void {
    this.topUpBudgetLeftSsv.set(Number(formatEther(wei)));
  }

  /** The transaction manager's events (its `log` option): fees of mined and reverted transactions, event counts. */
  txEvent(event: TxEvent): void {
    const label = event.label ?? 'unlabelled';
    this.transactionsTotal.inc({ label, event: event.event });
    if (
      (event.event === 'mined' || event.event === 'reverted') &&
      event.gasUsed !== undefined &&
      event.effectiveGasPrice !== undefined
    ) {
      // Exact in bigint; a float counter holds wei exactly up to 2^53 (~0.009 ETH) per increment
      // and to ~15 significant digits in total, plenty for fee monitoring.
      this.transactionFeeWeiTotal.inc({ label }, Number(BigInt(event.gasUsed) * BigInt(event.effectiveGasPrice)));
    }
  }

  /** A successful monitor read of this rollup (readRollup). */
  pollSucceeded(rollupAdmin: string): void {
    this.lastSuccessfulPoll.set({ rollup: rollupAdmin.toLowerCase() }, this.now() / 1000);
  }

  watchSucceeded(): void {
    this.lastSuccessfulWatch.set(this.now() / 1000);
  }

  activityFailed(activity: string, type: string): void {
    this.activityErrorsTotal.inc({ activity, type });
  }

  stepStuck(activity: string): void {
    this.stuckSteps.inc();
    this.stuckStepsTotal.inc({ activity });
  }

  stuckStepEnded(): void {
    this.stuckSteps.dec();
  }

  private firstTime(key: string): boolean {
    if (this.countedHashes.has(key)) return false;
    if (this.countedHashes.size >= COUNTED_HASHES) {
      const oldest = this.countedHashes.values().next().value;
      if (oldest !== undefined) this.countedHashes.delete(oldest);
    }
    this.countedHashes.add(key);
    return true;
  }

  /** One visibility query for both gauges, shared by concurrent collects and reused for a while. */
  private refreshInflight(): Promise<void> {
    const source = this.inflightSource;
    if (!source) return Promise.resolve();
    const cacheMs = this.opts.inflightCacheMs ?? 15_000;
    if (this.inflightCache && this.now() - this.inflightCache.at < cacheMs) return this.inflightCache.value;
    const value = source.count().then(
      ({ ceremonies, exits }) => {
        this.inflightCeremonies.set(ceremonies);
        this.inflightExits.set(exits);
      },
      (err: unknown) => {
        this.inflightCache = undefined; // ask again at the next scrape
        this.opts.onInflightError?.(err);
      },
    );
    this.inflightCache = { at: this.now(), value };
    return value;
  }
}
