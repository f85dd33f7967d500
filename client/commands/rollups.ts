// Commands that change what a rollup's monitor does: start, stop, pause, resume, poll-interval, sync.
import { WorkflowExecutionAlreadyStartedError, type Connection } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyPath } from '../../activities/types';
import { monitorWorkflowId } from '../../workflows/ids';
import {
  monitorStatusQuery,
  pauseSignal,
  resumeSignal,
  setPollIntervalUpdate,
  syncNowUpdate,
  type MonitorStatus,
} from '../../protocol/messages';
import { POLL_INTERVAL_BOUNDS_MS } from '../../workflows/rollup-monitor';
import {
  TEMPORAL_OPTIONS,
  TEMPORAL_OPTIONS_HELP,
  UsageError,
  durationArgument,
  parseCommand,
  positionalArguments,
  positiveIntegerArgument,
  rollupAdminArgument,
  temporalTarget,
  withClient,
  type Out,
} from '../cli-support';
import { batchesInFlight, formatMonitorStatus, formatStep } from '../format-status';
import { withAnswerDeadline } from '../monitor-queries';
import { MonitorError, runningMonitor, startMonitor } from '../monitors';
import type { RollupAdmin } from '../../protocol/identifiers';

const KEY_PATHS: KeyPath[] = ['mnemonic', 'dkg'];

export const START_USAGE = `Usage: nexus-bot start <rollupAdmin> --key-path <mnemonic|dkg> [options]

Starts the rollup's monitor (workflow id rollup-monitor/<rollupAdmin in lower case>): it keeps the
rollup at its staking limit, creating validators below it and exiting them above it. Refused when
the monitor already runs (stop it first to change its settings).
  --key-path <path>         how its validator keys are made: dkg (SSV DKG ceremony with the rollup's
                            operator cluster) or mnemonic (deprecated: keys from its mnemonic)
  --poll-interval <dur>     how often it looks at the chain without a wake-up
  --max-batch <n>           most validators per creation batch (a DKG ceremony: at most 100)
  --max-exit-batch <n>      most validators per exit batch
                            (defaults: the configuration's monitors section, see --config:
                            "5 minutes", 100 and 50 unless it says otherwise)
${TEMPORAL_OPTIONS_HELP}`;

export const STOP_USAGE = `Usage: nexus-bot stop <rollupAdmin> [--reason <text>]

Stops (terminates) the rollup's monitor. Batches in flight are not cut off: a creation finishes
its deposit and registration, and exit batches keep following their validators until their ETH is
back (they outlive the monitor by design). To stop new work but keep watching, use \`pause\`.
  --reason <text>         kept in the workflow history (default "stopped with nexus-bot stop")
${TEMPORAL_OPTIONS_HELP}`;

export const PAUSE_USAGE = `Usage: nexus-bot pause <rollupAdmin> --reason <text>

Pauses the rollup: its monitor starts no new ceremony, deposit or exit, and the batches in flight
stop at their next safe point (or finish a step that cannot stop half-way). Then prints the status,
which says where each in-flight step stopped. The same as
\`temporal workflow signal --workflow-id rollup-monitor/<rollupAdmin> --name pause --input '{"reason":"…"}'\`.
  --reason <text>         why (required): shown by \`status\` and in the Web UI
${TEMPORAL_OPTIONS_HELP}`;

export const RESUME_USAGE = `Usage: nexus-bot resume <rollupAdmin>

Resumes a paused rollup: the monitor and the batches held at a safe point go on.
${TEMPORAL_OPTIONS_HELP}`;

export const POLL_INTERVAL_USAGE = `Usage: nexus-bot poll-interval <rollupAdmin> <duration>

Sets how often the rollup's monitor looks at the chain without a wake-up (1 second to 1 day), e.g.
"30 seconds", "5m". Answers with the previous and the new value; a bad value changes nothing.
${TEMPORAL_OPTIONS_HELP}`;

export const SYNC_USAGE = `Usage: nexus-bot sync <rollupAdmin>

Makes the rollup's monitor look at the chain now and prints the plan of that look (refused while
the rollup is paused).
${TEMPORAL_OPTIONS_HELP}`;

export async function startCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(
    START_USAGE,
    argv,
    {
      ...TEMPORAL_OPTIONS,
      'key-path': { type: 'string' },
      'poll-interval': { type: 'string' },
      'max-batch': { type: 'string' },
      'max-exit-batch': { type: 'string' },
    },
    out,
    true,
  );
  if (!parsed) return;
  const { values } = parsed;
  const [admin] = positionalArguments(START_USAGE, parsed.positionals, ['rollupAdmin']);
  const rollupAdmin = rollupAdminArgument(admin);
  const keyPath = values['key-path'];
  if (keyPath === undefined)
    throw new UsageError(`--key-path is required: one of ${KEY_PATHS.join(', ')}\n\n${START_USAGE}`);
  if (!KEY_PATHS.includes(keyPath as KeyPath))
    throw new UsageError(`--key-path: expected one of ${KEY_PATHS.join(', ')}, got "${keyPath}"`);
  const target = temporalTarget(values);
  const defaults = target.monitors;
  const pollInterval =
    values['poll-interval'] === undefined
      ? defaults.pollInterval
      : durationArgument('--poll-interval', values['poll-interval'], POLL_INTERVAL_BOUNDS_MS);
  const maxBatch = positiveIntegerArgument('--max-batch', values['max-batch']) ?? defaults.maxBatch;
  if (keyPath === 'dkg' && maxBatch > 100)
    throw new UsageError(
      `--max-batch (or monitors.maxBatch): a DKG ceremony makes at most 100 validators, got ${maxBatch}`,
    );
  const maxExitBatch = positiveIntegerArgument('--max-exit-batch', values['max-exit-batch']) ?? defaults.maxExitBatch;

  await withClient(target, async (client) => {
    try {
      const handle = await startMonitor(client, {
        rollupAdmin,
        keyPath: keyPath as KeyPath,
        pollInterval,
        maxBatch,
        maxExitBatch,
        exitPollInterval: defaults.exitPollInterval,
        startedBy: 'nexus-bot CLI',
      });
      out(`started the monitor of rollup ${rollupAdmin} (${keyPath} keys): ${handle.workflowId}`);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new MonitorError(
          `the monitor of rollup ${rollupAdmin} is already running (${monitorWorkflowId(rollupAdmin)}): \`nexus-bot status ${rollupAdmin}\` shows it; stop it first to start it with other settings`,
        );
      }
      throw err;
    }
  });
}

export async function stopCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(STOP_USAGE, argv, { ...TEMPORAL_OPTIONS, reason: { type: 'string' } }, out, true);
  if (!parsed) return;
  const rollupAdmin = rollupAdminArgument(positionalArguments(STOP_USAGE, parsed.positionals, ['rollupAdmin'])[0]);
  await withClient(temporalTarget(parsed.values), async (client, connection) => {
    const handle = await runningMonitor(client, rollupAdmin);
    // What keeps running is said before it is too late to ask the monitor.
    const status = await withAnswerDeadline(connection, 'the status query', () =>
      handle.query(monitorStatusQuery),
    ).catch(() => undefined);
    await handle.terminate(parsed.values.reason ?? 'stopped with nexus-bot stop');
    out(`stopped the monitor of rollup ${rollupAdmin} (${handle.workflowId})`);
    const steps = status ? batchesInFlight(status) : [];
    for (const step of steps) out(`  still running on its own: ${formatStep(step)}`);
    if (!status)
      out('  (its status could not be read: look for batches in flight with `nexus-bot list` or the Web UI)');
  });
}

export async function pauseCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(PAUSE_USAGE, argv, { ...TEMPORAL_OPTIONS, reason: { type: 'string' } }, out, true);
  if (!parsed) return;
  const rollupAdmin = rollupAdminArgument(positionalArguments(PAUSE_USAGE, parsed.positionals, ['rollupAdmin'])[0]);
  const reason = parsed.values.reason?.trim();
  if (!reason) throw new UsageError(`--reason is required: say why the rollup is paused\n\n${PAUSE_USAGE}`);
  await signalAndShow(temporalTarget(parsed.values), rollupAdmin, out, { reason });
}

export async function resumeCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(RESUME_USAGE, argv, TEMPORAL_OPTIONS, out, true);
  if (!parsed) return;
  const rollupAdmin = rollupAdminArgument(positionalArguments(RESUME_USAGE, parsed.positionals, ['rollupAdmin'])[0]);
  await signalAndShow(temporalTarget(parsed.values), rollupAdmin, out, undefined);
}

/** Sends pause (with its reason) or resume, then prints the status once the monitor has taken it in. */
async function signalAndShow(
  target: ReturnType<typeof temporalTarget>,
  rollupAdmin: RollupAdmin,
  out: Out,
  pause: { reason: string } | undefined,
): Promise<void> {
  await withClient(target, async (client, connection) => {
    const handle = await runningMonitor(client, rollupAdmin);
    if (pause) await handle.signal(pauseSignal, pause);
    else await handle.signal(resumeSignal);
    out(pause ? `pause sent to ${handle.workflowId}: ${pause.reason}` : `resume sent to ${handle.workflowId}`);
    const status = await waitForStatus(
      connection,
      () => handle.query(monitorStatusQuery),
      (s) => s.paused === (pause !== undefined),
    );
    for (const line of formatMonitorStatus(status, handle.workflowId)) out(line);
  });
}

export async function pollIntervalCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(POLL_INTERVAL_USAGE, argv, TEMPORAL_OPTIONS, out, true);
  if (!parsed) return;
  const [admin, interval] = positionalArguments(POLL_INTERVAL_USAGE, parsed.positionals, ['rollupAdmin', 'duration']);
  const rollupAdmin = rollupAdminArgument(admin);
  await withClient(temporalTarget(parsed.values), async (client, connection) => {
    const handle = await runningMonitor(client, rollupAdmin);
    // The monitor's own validator judges the value: the one rule, and nothing changes if refused.
    const answer = await withAnswerDeadline(connection, 'the setPollInterval update', () =>
      handle.executeUpdate(setPollIntervalUpdate, { args: [{ interval }] }),
    ).catch((err: unknown) => {
      throw refusal('poll interval', err);
    });
    out(`poll interval of ${handle.workflowId}: ${answer.previous} -> ${answer.current}`);
  });
}

export async function syncCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(SYNC_USAGE, argv, TEMPORAL_OPTIONS, out, true);
  if (!parsed) return;
  const rollupAdmin = rollupAdminArgument(positionalArguments(SYNC_USAGE, parsed.positionals, ['rollupAdmin'])[0]);
  await withClient(temporalTarget(parsed.values), async (client, connection) => {
    const handle = await runningMonitor(client, rollupAdmin);
    const result = await withAnswerDeadline(
      connection,
      'the syncNow update',
      () => handle.executeUpdate(syncNowUpdate),
      150_000,
    ).catch((err: unknown) => {
      throw refusal('sync', err);
    });
    if (!result.looked)
      out(`${handle.workflowId} is busy (phase ${result.phase}): it looks at the chain once its batch is done`);
    else if (result.lastPlan)
      out(
        `${handle.workflowId} looked at block ${result.lastPlan.blockNumber}: create ${result.lastPlan.toCreate}, exit ${result.lastPlan.toExit ?? 0} (${result.lastPlan.reason})`,
      );
    if (result.lastError) out(`last error: ${result.lastError}`);
  });
}

/** An update the monitor refused (its validator threw): the reason, without the SDK's wrapping. */
function refusal(what: string, err: unknown): Error {
  if (err instanceof MonitorError) return err;
  const cause = (err as { cause?: { message?: string } }).cause?.message;
  return new MonitorError(`${what} refused: ${cause ?? (err as Error).message}`);
}

/** Queries until the status satisfies `done` (the signal has been handled), at most a few seconds. */
async function waitForStatus(
  connection: Connection,
  query: () => Promise<MonitorStatus>,
  done: (s: MonitorStatus) => boolean,
): Promise<MonitorStatus> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = await withAnswerDeadline(connection, 'the status query', query);
    // The batches in flight report where they stopped a moment after the monitor paused.
    const settled = done(status) && batchesInFlight(status).every((s) => (s.hold !== undefined) === status.paused);
    if (settled || Date.now() > deadline) return status;
    await sleep(300);
  }
}
