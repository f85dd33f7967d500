// Benches that create validators wait the same way: until the rollup's monitor has created `n`
// and is idle. Any monitor error ends the wait at once (a clean run has none: the monitor would
// only retry after its poll interval).
import type { CreationNetwork } from '../test/harness/creation-network';
import { monitorStatusQuery, type MonitorStatus } from '../protocol/messages';
import { monitorWorkflowId } from '../workflows/ids';
import { asRollupAdmin } from '../protocol/identifiers';

/** A run that went wrong (as opposed to a bench bug): the bench reports it and goes on. */
export class RunFailure extends Error {
  override name = 'RunFailure';
}

/** Waits until the monitor of `admin` has created `n` validators and is idle; `context` adds to every failure (e.g. the worker log's last problem). */
export async function waitMonitorIdle(
  net: CreationNetwork,
  admin: string,
  n: number,
  timeoutMs: number,
  context: () => string = () => '',
): Promise<void> {
  const handle = net.client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(admin)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status: MonitorStatus = await handle.query(monitorStatusQuery);
    if (status.validatorsCreated === n && status.phase === 'idle') return;
    if (status.validatorsCreated > n)
      throw new RunFailure(`created ${status.validatorsCreated} validators, more than the ${n} expected`);
    if (status.lastError)
      throw new RunFailure(
        `after ${status.validatorsCreated} validators the monitor reports "${status.lastError}"${context()}`,
      );
    if (Date.now() > deadline)
      throw new RunFailure(`timed out after ${timeoutMs / 1000} s: ${JSON.stringify(status)}${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
