// A workflow for the secret scan's own test (test/integration/secret-scan.test.ts): it carries a
// planted value in one place Temporal keeps at a time (activity result, memo, search attribute,
// signal, failure message), so the scan is seen to find a leak in each of them. The workflow's
// input holds the value reversed, so that the input itself is not the leak found.
import {
  ApplicationFailure,
  condition,
  defineSignal,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { PhaseAttribute } from '../../temporal-config/search-attributes';

export interface PlantActivities {
  /** Returns `reversed` turned back into the planted value. */
  leak(reversed: string): Promise<string>;
}

const unreverse = (text: string) => [...text].reverse().join('');

const { leak } = proxyActivities<PlantActivities>({ startToCloseTimeout: '1 minute' });

export type PlantPlace = 'activity-result' | 'memo' | 'search-attribute' | 'signal' | 'failure';

export const plantSignal = defineSignal<[string]>('plant');

export async function plantSecretWorkflow(input: { place: PlantPlace; reversed: string }): Promise<string> {
  const secret = unreverse(input.reversed);
  switch (input.place) {
    case 'activity-result':
      await leak(input.reversed);
      break;
    case 'memo':
      upsertMemo({ note: secret });
      break;
    case 'search-attribute':
      upsertSearchAttributes([{ key: PhaseAttribute, value: secret }]);
      break;
    case 'signal': {
      let got = false;
      setHandler(plantSignal, () => {
        got = true;
      });
      await condition(() => got);
      break;
    }
    case 'failure':
      throw ApplicationFailure.nonRetryable(`failed holding ${secret}`);
  }
  return 'done';
}
