// A monitor's creation in flight, with its phase: since issue 15 item 3 a mnemonic batch no longer
// signals its monitor at every phase (each signal cost history events on both sides), so the
// monitor's status may not know it; the batch's own creationStatus query does.
import type { Client } from '@temporalio/client';
import { creationStatusQuery, type MonitorStatus } from '../protocol/messages';

/** `status` with its creation's phase filled in from the batch when the monitor has none; unchanged if the batch does not answer. */
export async function withCreationPhase(
  client: Client,
  status: MonitorStatus,
  ask: <T>(what: string, q: () => Promise<T>) => Promise<T> = (_w, q) => q(),
): Promise<MonitorStatus> {
  const step = status.inFlight;
  if (!step || step.phase !== undefined) return status;
  const creation = await ask('the creationStatus query', () =>
    client.workflow.getHandle(step.workflowId).query(creationStatusQuery),
  ).catch(() => undefined);
  return creation ? { ...status, inFlight: { ...step, phase: creation.phase } } : status;
}
