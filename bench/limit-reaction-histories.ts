// Where the time of one limit-change reaction goes (bench/limit-reaction.ts), read back from the
// Temporal histories' event times (the dev server's clock, the same machine's as the bench's):
// watcher look done → monitor wake signal → planning reads → creation child started → key
// preparation → deposit sent → deposit mined (seen by the bench's block observer).
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { creationWorkflowId, monitorWorkflowId } from '../workflows/ids';
import { asRollupAdmin } from '../protocol/identifiers';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The steps, in path order; each is ms after the limit block was first seen. */
export const STEPS = [
  'watcher look done',
  'monitor wake signal',
  'planning reads done',
  'creation child started',
  'key indices allocated',
  'key material ready',
  'guard passed',
  'deposit activity started',
  'deposit mined (seen)',
  'deposit activity done',
] as const;
export type Step = (typeof STEPS)[number];
/** The steps found, and the activities the monitor ran between the wake and the child's start ("readRollup, isWorkflowRunning×3"). */
export type Breakdown = Partial<Record<Step, number>> & { planningActivities?: string };

export const eventMs = (e: HistoryEvent): number =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

/** A JSON payload's value; undefined for none (a void result) or one in another encoding. */
function payloadJson(p: { data?: Uint8Array | null } | undefined): unknown {
  if (!p?.data || p.data.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(p.data).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Activity type by scheduled event id, and the events that name it. */
function activities(
  events: HistoryEvent[],
): { type: string; scheduledAt: number; startedAt?: number; completedAt?: number; result?: unknown }[] {
  const byId = new Map<
    string,
    { type: string; scheduledAt: number; startedAt?: number; completedAt?: number; result?: unknown }
  >();
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) byId.set(String(e.eventId), { type: s.activityType?.name ?? '?', scheduledAt: eventMs(e) });
    const st = e.activityTaskStartedEventAttributes;
    const a = st && byId.get(String(st.scheduledEventId));
    if (a) a.startedAt = eventMs(e);
    const c = e.activityTaskCompletedEventAttributes;
    const b = c && byId.get(String(c.scheduledEventId));
    if (b) {
      b.completedAt = eventMs(e);
      b.result = payloadJson(c.result?.payloads?.[0] ?? undefined);
    }
  }
  return [...byId.values()];
}

/**
 * The breakdown of the reaction whose limit block was first seen at `t0` (ms, wall clock) and
 * whose deposit block at `depositSeenAt`. Steps not found are absent (a history that continued as
 * new, or an event outside the window).
 */
export async function reactionBreakdown(
  client: Client,
  opts: { admin: string; watcherId: string; limitBlock: number; t0: number; depositSeenAt: number },
): Promise<Breakdown> {
  const { admin, t0 } = opts;
  const out: Breakdown = { 'deposit mined (seen)': opts.depositSeenAt - t0 };
  // The look and the wake that name this limit change: the watcher's wake reason ends with its block
  // ("staking limit changed to … bps (block N)"). Under load the bench's observer can see the block
  // later than the worker: those steps are then negative.
  const ofThisChange = (reason: unknown) => typeof reason === 'string' && reason.includes(`(block ${opts.limitBlock})`);

  const watcher = (await client.workflow.getHandle(opts.watcherId).fetchHistory()).events ?? [];
  const look = activities(watcher).find((a) =>
    ((a.result as { wake?: { rollupAdmin: string; reason: string }[] } | undefined)?.wake ?? []).some(
      (w) => w.rollupAdmin.toLowerCase() === admin.toLowerCase() && ofThisChange(w.reason),
    ),
  );
  if (look?.completedAt !== undefined) out['watcher look done'] = look.completedAt - t0;

  const monitor =
    (await client.workflow.getHandle(monitorWorkflowId(asRollupAdmin(admin))).fetchHistory()).events ?? [];
  const signal = monitor.find(
    (e) =>
      e.workflowExecutionSignaledEventAttributes?.signalName === 'wake' &&
      ofThisChange(
        (
          payloadJson(e.workflowExecutionSignaledEventAttributes.input?.payloads?.[0] ?? undefined) as
            { reason?: unknown } | undefined
        )?.reason,
      ),
  );
  if (!signal) return out;
  const signalAt = eventMs(signal);
  out['monitor wake signal'] = signalAt - t0;
  const initiated = monitor.find(
    (e) =>
      e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId === creationWorkflowId(asRollupAdmin(admin)) &&
      eventMs(e) >= signalAt,
  );
  if (!initiated) return out;
  // The last read the monitor completed before it started the child (readRollup, readExitProgress).
  const reads = activities(monitor).filter(
    (a) => a.completedAt !== undefined && a.completedAt >= signalAt && a.completedAt <= eventMs(initiated),
  );
  if (reads.length > 0) out['planning reads done'] = Math.max(...reads.map((a) => a.completedAt as number)) - t0;
  const counts = new Map<string, number>();
  for (const a of reads) counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
  out.planningActivities = [...counts].map(([type, k]) => (k > 1 ? `${type}×${k}` : type)).join(', ');
  const childStarted = monitor.find(
    (e) => e.childWorkflowExecutionStartedEventAttributes?.initiatedEventId?.toString() === String(initiated.eventId),
  );
  const runId = childStarted?.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.runId;
  if (!runId) return out;

  const child =
    (await client.workflow.getHandle(creationWorkflowId(asRollupAdmin(admin)), runId).fetchHistory()).events ?? [];
  const started = child.find((e) => e.workflowExecutionStartedEventAttributes);
  if (started) out['creation child started'] = eventMs(started) - t0;
  const acts = activities(child);
  const done = (type: string) => acts.find((a) => a.type === type)?.completedAt;
  const set = (step: Step, ms: number | undefined) => {
    if (ms !== undefined) out[step] = ms - t0;
  };
  set('key indices allocated', done('allocateKeyIndices'));
  set('key material ready', done('prepareMnemonicValidators'));
  set('guard passed', done('guardDeposits'));
  set('deposit activity started', acts.find((a) => a.type === 'submitDeposits')?.startedAt);
  set('deposit activity done', done('submitDeposits'));
  return out;
}
