// Readable reasons for failures that cross workflow boundaries (status, results, logs).
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';

/** "Type: message" of the innermost application failure, else the error's own message. */
export function describeFailure(err: unknown): string {
  let current: unknown = err;
  while (current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) {
    if (!current.cause) break;
    current = current.cause;
  }
  if (current instanceof ApplicationFailure)
    return current.type ? `${current.type}: ${current.message}` : current.message;
  return current instanceof Error ? current.message : String(current);
}
