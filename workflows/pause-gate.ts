// Pause for a creation or exit batch (invariant 8: pause means pause). A paused batch runs on to
// its next safe point (`holdAt`) and waits there until resumed; a step that cannot safely stop
// half-way (keys deposited but not yet registered, exits broadcast but Nexus not yet told) is
// marked `finishing` and goes on to its end. The batch's status, and its monitor's, say which.
// The same `pause` and `resume` signals reach a batch from its monitor or straight from an operator.
import { condition, setHandler } from '@temporalio/workflow';
import { pauseSignal, resumeSignal, type StepHold } from '../protocol/messages';

export interface PauseGate {
  readonly paused: boolean;
  readonly pauseReason: string | undefined;
  /** Where a paused batch stands; undefined when not paused. */
  readonly hold: StepHold | undefined;
  /** Resume signals received so far (a batch waiting for something rechecks at once on one). */
  readonly resumes: number;
  /** A safe point: when paused, wait here until resumed. */
  holdAt(step: string): Promise<void>;
  /** Entering a step that must finish once begun (a pause lets it finish, and says so). */
  finishing(step: string): void;
}

/**
 * @param currentStep what the batch is doing now, for a pause that arrives between safe points
 * @param onChange called whenever `paused` or `hold` changes (the batch reports to its monitor)
 * @param initial the pause carried over continueAsNew
 */
export function installPauseGate(
  currentStep: () => string,
  onChange: () => void,
  initial?: { paused: boolean; pauseReason?: string },
): PauseGate {
  let paused = initial?.paused ?? false;
  let pauseReason = initial?.pauseReason;
  let hold: StepHold | undefined;
  let mustFinish: string | undefined;
  let resumes = 0;
  const now = () => new Date().toISOString();
  setHandler(pauseSignal, (pause) => {
    paused = true;
    pauseReason = typeof pause?.reason === 'string' && pause.reason !== '' ? pause.reason : 'no reason given';
    if (!hold) {
      hold = mustFinish
        ? { state: 'finishing', step: mustFinish, since: now() }
        : { state: 'stopping', step: `${currentStep()}: runs to its end, then holds`, since: now() };
    }
    onChange();
  });
  setHandler(resumeSignal, () => {
    resumes++;
    paused = false;
    pauseReason = undefined;
    hold = undefined;
    onChange();
  });
  return {
    get paused() {
      return paused;
    },
    get pauseReason() {
      return pauseReason;
    },
    get hold() {
      return hold;
    },
    get resumes() {
      return resumes;
    },
    async holdAt(step) {
      mustFinish = undefined;
      if (!paused) return;
      hold = { state: 'held', step, since: now() };
      onChange();
      await condition(() => !paused);
    },
    finishing(step) {
      mustFinish = step;
      if (paused) {
        hold = { state: 'finishing', step, since: now() };
        onChange();
      }
    },
  };
}
