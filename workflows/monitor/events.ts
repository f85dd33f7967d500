// Issue 15 item 3: a monitor's look at the chain that writes few history events (behind
// patched(MONITOR_FEWER_EVENTS_PATCH), so that runs recorded before it replay as they ran).
// - The rollup read is a local activity: one MarkerRecorded inside the workflow task that wakes
//   the monitor, instead of three activity events and a workflow task of their own.
// - The Phase search attribute is written when it would be seen: 'reading' and 'planning' now
//   pass inside one workflow task, so visibility never shows them (the status query still does),
//   and a phase that is already the attribute's value (idle after an idle look) is not written again.
// - Its mnemonic creations write fewer events too (CreateValidatorsInput.fewerEvents): started
//   with their first phase as a search attribute, they need no upsert for it.
import { patched, proxyActivities, proxyLocalActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { BotActivities } from '../../activities/interface';
import { PhaseAttribute } from '../../temporal-config/search-attributes';
import { LOCAL_READ_OPTIONS, READ_OPTIONS } from '../activity-options';
import type { MonitorStatus } from '../../protocol/messages';
import { MAX_DKG_BATCH } from '../planning';

export const MONITOR_FEWER_EVENTS_PATCH = 'monitor-fewer-events';
/** Recorded by runs whose mnemonic plans larger than one batch run as one creation in rounds. */
export const CREATION_ROUNDS_PATCH = 'creation-rounds';
/**
 * The most validators one creation in rounds creates: the bound of the batch's pubkeys search
 * attribute (the server's 2 KB value limit), the same as the largest DKG batch.
 */
export const MAX_CREATION_RUN = MAX_DKG_BATCH;

const remote = proxyActivities<BotActivities>(READ_OPTIONS);
const local = proxyLocalActivities<BotActivities>(LOCAL_READ_OPTIONS);
const UNSEEN_PHASES: ReadonlySet<MonitorStatus['phase']> = new Set(['reading', 'planning']);

export interface MonitorEvents {
  /** Whether this run writes fewer events: it starts its mnemonic creations so too (CreateValidatorsInput.fewerEvents). */
  fewer: boolean;
  /** Sets the status phase and, as far as it can be seen, the Phase search attribute. */
  setPhase(phase: MonitorStatus['phase']): void;
  readRollup: BotActivities['readRollup'];
}

/** Call once, at the start of a run: the patch decides the whole run. */
export function monitorEvents(status: MonitorStatus): MonitorEvents {
  const fewer = patched(MONITOR_FEWER_EVENTS_PATCH);
  let written: MonitorStatus['phase'] | undefined;
  return {
    fewer,
    setPhase(phase) {
      status.phase = phase;
      if (fewer && (UNSEEN_PHASES.has(phase) || written === phase)) return;
      written = phase;
      upsertSearchAttributes([{ key: PhaseAttribute, value: phase }]);
    },
    readRollup: (input) => (fewer ? local : remote).readRollup(input),
  };
}

/** What a creation of this monitor run is started with, beside its usual arguments and visibility. */
export function creationStart(events: MonitorEvents, keyPath: 'mnemonic' | 'dkg') {
  if (!events.fewer || keyPath !== 'mnemonic') return { args: {}, searchAttributes: [] };
  return { args: { fewerEvents: true }, searchAttributes: [{ key: PhaseAttribute, value: 'allocating' }] };
}

/**
 * How many validators one creation of this run may plan (creation/rounds.ts): a mnemonic run that
 * writes fewer events plans up to MAX_CREATION_RUN and creates them in rounds of `maxBatch`, one
 * child instead of one per batch. Other runs, and histories from before, plan one batch.
 */
export function creationRunSize(events: MonitorEvents, keyPath: 'mnemonic' | 'dkg', maxBatch: number): number {
  if (!events.fewer || keyPath !== 'mnemonic' || maxBatch >= MAX_CREATION_RUN) return maxBatch;
  return patched(CREATION_ROUNDS_PATCH) ? MAX_CREATION_RUN : maxBatch;
}
