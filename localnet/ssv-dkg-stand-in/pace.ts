// How long a stand-in ceremony takes. By default as long as its work (well under a second per
// validator). With SSV_DKG_STAND_IN_PACE=measured it lasts as long as the real v3.1.0 binary was
// measured to take (../shared/fixtures/ssv-dkg-v3.1.0/README.md: a fixed ~20 s plus ~0.9 s per
// validator, the operators setting the pace), so that a demo or a test sees a ceremony in flight
// for as long as production would.
import { setTimeout as sleep } from 'node:timers/promises';

export const MEASURED_FIXED_MS = 20_000;
export const MEASURED_PER_VALIDATOR_MS = 900;

export type Pace = 'fast' | 'measured';

export function paceFromEnv(env: NodeJS.ProcessEnv = process.env): Pace {
  const value = env.SSV_DKG_STAND_IN_PACE ?? 'fast';
  if (value !== 'fast' && value !== 'measured')
    throw new Error(`SSV_DKG_STAND_IN_PACE must be "fast" or "measured", got ${JSON.stringify(value)}`);
  return value;
}

/** Waits until a ceremony of `validators` begun at `startedAt` has taken the real binary's time. */
export async function keepPace(pace: Pace, startedAt: Date, validators: number): Promise<void> {
  if (pace !== 'measured') return;
  const remaining = startedAt.getTime() + MEASURED_FIXED_MS + MEASURED_PER_VALIDATOR_MS * validators - Date.now();
  if (remaining > 0) await sleep(remaining);
}
