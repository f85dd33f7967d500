// `nexus-bot self-check`: a short workflow on the bot's task queue proves that a worker runs it.
import { TASK_QUEUE } from '../../temporal-config/names';
import { selfCheckWorkflow } from '../../workflows/self-check';
import {
  TEMPORAL_OPTIONS,
  TEMPORAL_OPTIONS_HELP,
  UsageError,
  parseCommand,
  temporalTarget,
  withClient,
  type Out,
} from '../cli-support';

export const SELF_CHECK_USAGE = `Usage: nexus-bot self-check [--wait <duration>] [--timeout <seconds>]

Starts the self-check workflow on task queue "${TASK_QUEUE}", waits for it and prints the worker
that ran it. Fails when no worker picks it up within --timeout.
  --wait <duration>       durable timer inside the workflow (default "1 second")
  --timeout <seconds>     how long to wait for the result (default 30)
${TEMPORAL_OPTIONS_HELP}`;

export async function selfCheckCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(
    SELF_CHECK_USAGE,
    argv,
    {
      ...TEMPORAL_OPTIONS,
      wait: { type: 'string', default: '1 second' },
      timeout: { type: 'string', default: '30' },
    },
    out,
  );
  if (!parsed) return;
  const { values } = parsed;
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new UsageError(`--timeout: expected a positive number of seconds, got "${values.timeout}"`);
  const target = temporalTarget(values);
  await withClient(target, async (client) => {
    const workflowId = `self-check-${Date.now()}`;
    const handle = await client.workflow.start(selfCheckWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ wait: values.wait }],
    });
    const result = await Promise.race([
      handle.result(),
      new Promise<never>((_, reject) =>
        setTimeout(
          () =>
            reject(
              new Error(
                `no worker finished ${workflowId} within ${timeoutSeconds} s: is a nexus-bot worker polling task queue "${TASK_QUEUE}" in namespace ${target.temporal.namespace}?`,
              ),
            ),
          timeoutSeconds * 1000,
        ).unref(),
      ),
    ]).catch(async (err: unknown) => {
      await handle.terminate('self-check timed out').catch(() => undefined);
      throw err;
    });
    out(`ok: ${workflowId} ran on ${result.worker}; timer fired: ${result.timerFired}`);
  });
}
