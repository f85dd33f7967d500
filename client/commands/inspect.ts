// Commands that only read: status of a rollup, list of every monitored rollup, show a ceremony or exit.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ValidatorPubkeysAttribute, pubkeySearchKey } from '../../temporal-config/search-attributes';
import { creationStatusQuery, exitStatusQuery, monitorStatusQuery, type MonitorStatus } from '../../protocol/messages';
import {
  TEMPORAL_OPTIONS,
  TEMPORAL_OPTIONS_HELP,
  UsageError,
  parseCommand,
  positionalArguments,
  rollupAdminArgument,
  temporalTarget,
  withClient,
  type Out,
} from '../cli-support';
import { batchesInFlight, formatCreationStatus, formatExitStatus, formatMonitorStatus } from '../format-status';
import { withAnswerDeadline } from '../monitor-queries';
import { withCreationPhase } from '../creation-phase';
import { formatWorkerSteps, workerSteps } from '../worker-steps';
import { MonitorError, listMonitors, runningMonitor } from '../monitors';
import { lockedLine, saltQueuePolled } from '../salt-queue';
import { roleTaskQueue } from '../../temporal-config/task-queues';
import { asPubkey, type Pubkey } from '../../protocol/identifiers';

export const STATUS_USAGE = `Usage: nexus-bot status <rollupAdmin> [--json]

Prints what the rollup's monitor is doing: phase, whether it is paused and why, its last plan and
when, the batches in flight (and where each stopped when paused), validators by state, last error.
  --json                  print the monitor's status object (with a boolean "paused")
${TEMPORAL_OPTIONS_HELP}`;

export const LIST_USAGE = `Usage: nexus-bot list [--json]

Lists every rollup with a running monitor in the namespace, with its state (phase, paused,
validators staked, batches in flight, last error).
  --json                  print a JSON array instead
${TEMPORAL_OPTIONS_HELP}`;

export const SHOW_USAGE = `Usage: nexus-bot show <workflowId | validatorPubkey> [--json]

Shows a creation batch (ceremony) or an exit batch: its phase, pause state, keys and, for an exit,
each validator's beacon and Nexus status; and each step with the worker that ran it. Give its workflow id (create-validators/<rollup>,
exit-validators/<rollup>/<n>, as \`status\` prints them) or a validator's public key (0x and 96 hex
digits), which finds the newest batch that holds it through the NexusValidatorPubkeys search attribute.
  --json                  print the batch's status object instead
${TEMPORAL_OPTIONS_HELP}`;

const JSON_OPTION = { json: { type: 'boolean' } } as const;

export async function statusCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(STATUS_USAGE, argv, { ...TEMPORAL_OPTIONS, ...JSON_OPTION }, out, true);
  if (!parsed) return;
  const rollupAdmin = rollupAdminArgument(positionalArguments(STATUS_USAGE, parsed.positionals, ['rollupAdmin'])[0]);
  const target = temporalTarget(parsed.values);
  await withClient(target, async (client, connection) => {
    const handle = await runningMonitor(client, rollupAdmin);
    const status = await withCreationPhase(
      client,
      await withAnswerDeadline(connection, 'the status query', () => handle.query(monitorStatusQuery)),
      (what, ask) => withAnswerDeadline(connection, what, ask),
    );
    // A mnemonic batch in flight needs a salt holder: say so when no worker polls the salt queue
    // (the queue named after the configuration's task queue, as the workers name it).
    const saltQueue = roleTaskQueue(target.temporal.taskQueue, 'salt');
    const locked =
      status.keyPath === 'mnemonic' &&
      batchesInFlight(status).length > 0 &&
      !(await saltQueuePolled(client, saltQueue));
    if (parsed.values.json)
      out(
        JSON.stringify(
          {
            workflowId: handle.workflowId,
            ...status,
            ...(locked ? { saltQueue: { taskQueue: saltQueue, polled: false } } : {}),
          },
          null,
          2,
        ),
      );
    else
      for (const line of [
        ...formatMonitorStatus(status, handle.workflowId),
        ...(locked ? [lockedLine(saltQueue)] : []),
      ])
        out(line);
  });
}

export async function listCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(LIST_USAGE, argv, { ...TEMPORAL_OPTIONS, ...JSON_OPTION }, out);
  if (!parsed) return;
  await withClient(temporalTarget(parsed.values), async (client, connection) => {
    const monitors = await listMonitors(client);
    // One query each, side by side: a hundred rollups answer in about the time of one.
    const rows = await Promise.all(
      monitors.map(async (m) => {
        const status = await withAnswerDeadline(connection, `the status query of ${m.workflowId}`, () =>
          client.workflow.getHandle(m.workflowId).query(monitorStatusQuery),
        ).catch((err: unknown) => ({ error: (err as Error).message }));
        return { ...m, status };
      }),
    );
    if (parsed.values.json) {
      out(
        JSON.stringify(
          rows.map(({ status, ...m }) =>
            'error' in status ? { ...m, error: status.error } : { ...m, ...summary(status) },
          ),
          null,
          2,
        ),
      );
      return;
    }
    if (rows.length === 0) {
      out('no rollup monitor is running (start one with `nexus-bot start <rollupAdmin> --key-path <mnemonic|dkg>`)');
      return;
    }
    out(
      [
        'ROLLUP'.padEnd(42),
        'KEYS'.padEnd(8),
        'PHASE'.padEnd(9),
        'PAUSED'.padEnd(7),
        'STAKED'.padEnd(7),
        'IN FLIGHT'.padEnd(10),
        'LAST ERROR / PAUSE REASON',
      ].join(' '),
    );
    for (const { status, ...m } of rows) {
      if ('error' in status) {
        out(
          [
            m.rollupAdmin.padEnd(42),
            (m.keyPath ?? '?').padEnd(8),
            (m.phase ?? '?').padEnd(9),
            '?'.padEnd(7),
            '?'.padEnd(7),
            '?'.padEnd(10),
            status.error,
          ].join(' '),
        );
        continue;
      }
      const s = summary(status);
      out(
        [
          m.rollupAdmin.padEnd(42),
          status.keyPath.padEnd(8),
          status.phase.padEnd(9),
          (s.paused ? 'yes' : 'no').padEnd(7),
          String(s.staked ?? '?').padEnd(7),
          String(s.batchesInFlight).padEnd(10),
          (s.paused ? s.pauseReason : s.lastError) ?? '',
        ].join(' '),
      );
    }
  });
}

function summary(status: MonitorStatus) {
  return {
    keyPath: status.keyPath,
    phase: status.phase,
    paused: status.paused,
    pauseReason: status.pauseReason,
    staked: status.validators.staked,
    creating: status.validators.creating,
    exiting: status.validators.exiting,
    batchesInFlight: batchesInFlight(status).length,
    lastPlanAt: status.lastPlan?.at,
    lastError: status.lastError,
  };
}

export async function showCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(SHOW_USAGE, argv, { ...TEMPORAL_OPTIONS, ...JSON_OPTION }, out, true);
  if (!parsed) return;
  const [target] = positionalArguments(SHOW_USAGE, parsed.positionals, ['workflowId | validatorPubkey']);
  let pubkey: Pubkey | undefined;
  if (!/^(create-validators|exit-validators)\//.test(target)) {
    try {
      pubkey = asPubkey(target, 'validator pubkey');
    } catch {
      throw new UsageError(
        `expected a creation or exit workflow id (create-validators/…, exit-validators/…) or a validator pubkey (0x and 96 hex digits), got "${target}"`,
      );
    }
  }
  await withClient(temporalTarget(parsed.values), async (client, connection) => {
    const workflowId = pubkey ? await batchHolding(client, pubkey) : target;
    const handle = client.workflow.getHandle(workflowId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new MonitorError(`no workflow ${workflowId} in namespace ${client.options.namespace}`);
      throw err;
    }
    const runStatus = description.status.name;
    // Which worker ran which step (several workers share the task queues: README "Several workers").
    const steps = workerSteps(await handle.fetchHistory());
    // A step not started on a salt queue nobody polls is held for the salt.
    const heldQueue = steps.find((s) => s.worker === undefined && s.taskQueue.endsWith('-salt'))?.taskQueue;
    const locked =
      heldQueue !== undefined && !(await saltQueuePolled(client, heldQueue)) ? [lockedLine(heldQueue)] : [];
    if (workflowId.startsWith('create-validators/')) {
      const status = await withAnswerDeadline(connection, 'the creationStatus query', () =>
        handle.query(creationStatusQuery),
      );
      if (parsed.values.json) out(JSON.stringify({ workflowId, runStatus, ...status, steps }, null, 2));
      else
        for (const line of [
          ...formatCreationStatus(status, workflowId, runStatus),
          ...formatWorkerSteps(steps),
          ...locked,
        ])
          out(line);
    } else {
      const status = await withAnswerDeadline(connection, 'the exitStatus query', () => handle.query(exitStatusQuery));
      if (parsed.values.json) out(JSON.stringify({ workflowId, runStatus, ...status, steps }, null, 2));
      else
        for (const line of [...formatExitStatus(status, workflowId, runStatus), ...formatWorkerSteps(steps), ...locked])
          out(line);
    }
  });
}

/** The newest creation or exit batch whose NexusValidatorPubkeys holds the key. */
async function batchHolding(client: Client, pubkey: Pubkey): Promise<string> {
  const query = `${ValidatorPubkeysAttribute.name} = '${pubkeySearchKey(pubkey)}'`;
  let newest: { workflowId: string; startTime: Date } | undefined;
  for await (const w of client.workflow.list({ query })) {
    if (!/^(create-validators|exit-validators)\//.test(w.workflowId)) continue;
    if (!newest || w.startTime > newest.startTime) newest = { workflowId: w.workflowId, startTime: w.startTime };
  }
  if (!newest) throw new MonitorError(`no creation or exit batch holds validator ${pubkey} (searched ${query})`);
  return newest.workflowId;
}
