// Waiting on a rollup monitor in time-skipping workflow tests: query its status, skip time in
// steps until a condition holds, and end it from a quiet state.
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { monitorStatusQuery, pauseSignal, type MonitorStatus } from '../../protocol/messages';

export const monitorStatus = (env: TestWorkflowEnvironment, handle: WorkflowHandle): Promise<MonitorStatus> =>
  env.client.workflow.getHandle(handle.workflowId).query(monitorStatusQuery);

/** Advances skipped time by `step`, up to `steps` times, until the monitor's status satisfies `done`. */
export async function waitForMonitor(
  env: TestWorkflowEnvironment,
  handle: WorkflowHandle,
  done: (s: MonitorStatus) => boolean,
  what: string,
  step = '3 hours',
  steps = 40,
): Promise<MonitorStatus> {
  for (let i = 0; i < steps; i++) {
    const s = await monitorStatus(env, handle);
    if (done(s)) return s;
    await env.sleep(step);
  }
  throw new Error(`timed out waiting for: ${what}; last status ${JSON.stringify(await monitorStatus(env, handle))}`);
}

/**
 * Ends a monitor from a quiet state: paused, its signal processed. (Terminating a workflow with a
 * workflow task still pending leaks a time-skipping lock in the Java test server, and every later
 * test would then wait in real time.)
 */
export async function stopMonitor(
  env: TestWorkflowEnvironment,
  handle: WorkflowHandle,
  step = '10 seconds',
  steps = 30,
): Promise<void> {
  await env.client.workflow.getHandle(handle.workflowId).signal(pauseSignal, { reason: 'test over' });
  await waitForMonitor(env, handle, (s) => s.phase === 'paused', 'the monitor to pause', step, steps);
  await env.client.workflow.getHandle(handle.workflowId).terminate('test over');
}
