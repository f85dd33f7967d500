// Every activity, built from injected dependencies (the samples' createActivities(deps) pattern):
// workflows import this module for its type only.
import { hostname } from 'node:os';

export interface ActivityDependencies {
  /** A name for this worker process, shown by the self-check. */
  workerName: string;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    async describeWorker(): Promise<string> {
      return `${deps.workerName}@${hostname()} (pid ${process.pid})`;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
