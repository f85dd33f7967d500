// `nexus-bot runway`: the cluster runway watcher's view of every Nexus cluster, and its start.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { TASK_QUEUE } from '../../temporal-config/names';
import { clusterRunwayWorkflow } from '../../workflows/cluster-runway';
import { CLUSTER_RUNWAY_WORKFLOW_ID } from '../../workflows/ids';
import { runwayStatusQuery } from '../../workflows/runway-messages';
import {
  TEMPORAL_OPTIONS,
  TEMPORAL_OPTIONS_HELP,
  UsageError,
  durationArgument,
  parseCommand,
  temporalTarget,
  withClient,
  type Out,
} from '../cli-support';
import { formatRunwayStatus } from '../format-runway';
import { withAnswerDeadline } from '../monitor-queries';

export const RUNWAY_USAGE = `Usage: nexus-bot runway [--json]
       nexus-bot runway start [--poll-interval <duration>] [--task-queue <name>]

Shows each Nexus SSV cluster's runway (blocks and days before it becomes liquidatable), its state
(ok, topped-up, below-alert, budget-exhausted, bot-ssv-short, top-up-failed, liquidated) and the
top-up budget left, as the cluster runway watcher (${CLUSTER_RUNWAY_WORKFLOW_ID}) saw them at its
last poll. \`start\` starts that watcher (one per namespace; default poll interval 10 minutes).
The thresholds and the budget are the worker's \`runway\` configuration.
  --json                  print the watcher's status object
  --poll-interval <d>     start: how often it reads the clusters (1 minute to 1 day)
  --task-queue <name>     start: the worker's task queue (default ${TASK_QUEUE})
${TEMPORAL_OPTIONS_HELP}`;

export async function runwayCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(
    RUNWAY_USAGE,
    argv,
    {
      ...TEMPORAL_OPTIONS,
      json: { type: 'boolean' },
      'poll-interval': { type: 'string' },
      'task-queue': { type: 'string' },
    },
    out,
    true,
  );
  if (!parsed) return;
  const [sub, ...extra] = parsed.positionals;
  if (extra.length > 0 || (sub !== undefined && sub !== 'start'))
    throw new UsageError(`unexpected argument "${extra[0] ?? sub}"\n\n${RUNWAY_USAGE}`);
  const target = temporalTarget(parsed.values);
  if (sub === 'start') {
    const pollInterval =
      parsed.values['poll-interval'] === undefined
        ? '10 minutes'
        : durationArgument('--poll-interval', parsed.values['poll-interval'], { min: 60_000, max: 86_400_000 });
    await withClient(target, async (client) => {
      try {
        await client.workflow.start(clusterRunwayWorkflow, {
          taskQueue: parsed.values['task-queue'] ?? target.temporal.taskQueue,
          workflowId: CLUSTER_RUNWAY_WORKFLOW_ID,
          args: [{ pollInterval }],
        });
        out(`started the cluster runway watcher: ${CLUSTER_RUNWAY_WORKFLOW_ID} (every ${pollInterval})`);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        out(`the cluster runway watcher is already running: ${CLUSTER_RUNWAY_WORKFLOW_ID}`);
      }
    });
    return;
  }
  await withClient(target, async (client, connection) => {
    const handle = client.workflow.getHandle(CLUSTER_RUNWAY_WORKFLOW_ID);
    let status;
    try {
      status = await withAnswerDeadline(connection, 'the runway query', () => handle.query(runwayStatusQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new Error(`the cluster runway watcher is not running: start it with \`nexus-bot runway start\``, {
          cause: err,
        });
      throw err;
    }
    if (parsed.values.json) out(JSON.stringify({ workflowId: CLUSTER_RUNWAY_WORKFLOW_ID, ...status }, null, 2));
    else for (const line of formatRunwayStatus(status, CLUSTER_RUNWAY_WORKFLOW_ID)) out(line);
  });
}
