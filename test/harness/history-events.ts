// History events of a creation, counted the way bench/creation.ts counts them (every run of the
// monitor, of each creation batch and of the SSV registrar) and broken down per workflow type and
// per event type, so that a bench or a test can say where the events come from (issue 15 item 3).
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export interface RunEvents {
  workflowId: string;
  runId?: string;
  type: string;
  /** Events by type name (ActivityTaskScheduled, WorkflowTaskCompleted, ...). */
  byEventType: Record<string, number>;
  total: number;
  /** Scheduled activities by activity type (where the Activity* events come from). */
  activities: Record<string, number>;
}

const EVENT_NAME = temporal.api.enums.v1.EventType;

/** `EVENT_TYPE_ACTIVITY_TASK_SCHEDULED` → `ActivityTaskScheduled`. */
export function eventTypeName(type: number | null | undefined): string {
  const raw = EVENT_NAME[type ?? 0] ?? `type-${type}`;
  return raw
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
}

export function countEvents(
  workflowId: string,
  runId: string | undefined,
  history: temporal.api.history.v1.IHistory,
): RunEvents {
  const byEventType: Record<string, number> = {};
  const activities: Record<string, number> = {};
  let type = '?';
  for (const event of history.events ?? []) {
    const name = eventTypeName(event.eventType);
    byEventType[name] = (byEventType[name] ?? 0) + 1;
    const started = event.workflowExecutionStartedEventAttributes;
    if (started?.workflowType?.name) type = started.workflowType.name;
    const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) activities[scheduled] = (activities[scheduled] ?? 0) + 1;
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName)
      activities[`(local) ${marker.markerName}`] = (activities[`(local) ${marker.markerName}`] ?? 0) + 1;
  }
  return { workflowId, runId, type, byEventType, total: history.events?.length ?? 0, activities };
}

/**
 * Every run a monitor's creation involved: the monitor's runs (this one; continued-as-new ones are
 * not followed), each creation batch it started (ids and run ids from its ChildWorkflowExecutionStarted
 * events), and the registrar's current run.
 */
export async function creationHistories(
  client: Client,
  monitorWorkflowId: string,
  registrarWorkflowId: string,
): Promise<RunEvents[]> {
  const monitor = await client.workflow.getHandle(monitorWorkflowId).fetchHistory();
  const out = [countEvents(monitorWorkflowId, undefined, monitor)];
  for (const event of monitor.events ?? []) {
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (!child?.workflowId || !child.runId) continue;
    out.push(
      countEvents(
        child.workflowId,
        child.runId,
        await client.workflow.getHandle(child.workflowId, child.runId).fetchHistory(),
      ),
    );
  }
  out.push(
    countEvents(registrarWorkflowId, undefined, await client.workflow.getHandle(registrarWorkflowId).fetchHistory()),
  );
  return out;
}

export interface EventBreakdown {
  /** Summed over the runs of each workflow type. */
  byWorkflowType: Record<
    string,
    { runs: number; total: number; byEventType: Record<string, number>; activities: Record<string, number> }
  >;
  total: number;
}

export function breakdown(runs: readonly RunEvents[]): EventBreakdown {
  const byWorkflowType: EventBreakdown['byWorkflowType'] = {};
  for (const run of runs) {
    const t = (byWorkflowType[run.type] ??= { runs: 0, total: 0, byEventType: {}, activities: {} });
    t.runs++;
    t.total += run.total;
    for (const [k, n] of Object.entries(run.byEventType)) t.byEventType[k] = (t.byEventType[k] ?? 0) + n;
    for (const [k, n] of Object.entries(run.activities)) t.activities[k] = (t.activities[k] ?? 0) + n;
  }
  return { byWorkflowType, total: runs.reduce((n, r) => n + r.total, 0) };
}

/** Lines for a report: per workflow type its events (per validator), then per event type and per activity type. */
export function formatBreakdown(b: EventBreakdown, validators: number): string[] {
  const lines = [
    `total ${b.total} events, ${(b.total / validators).toFixed(2)} per validator (${validators} validators)`,
  ];
  for (const [type, t] of Object.entries(b.byWorkflowType)) {
    lines.push(`  ${type}: ${t.runs} run(s), ${t.total} events, ${(t.total / validators).toFixed(2)} per validator`);
    const events = Object.entries(t.byEventType)
      .sort((x, y) => y[1] - x[1])
      .map(([k, n]) => `${k} ${n}`);
    lines.push(`    events:     ${events.join(', ')}`);
    const acts = Object.entries(t.activities)
      .sort((x, y) => y[1] - x[1])
      .map(([k, n]) => `${k} ${n}`);
    if (acts.length > 0) lines.push(`    activities: ${acts.join(', ')}`);
  }
  return lines;
}
