// Signals a batch sends to its monitor without waiting for each (phase and pause reports). They
// are flushed before the batch completes, fails or continues as new: a workflow must not close
// with a signal still on its way (the monitor would miss the last report, and the time-skipping
// test server leaks its time lock on such a close).
//
// Two reports sent in one workflow task (a resume, then a check made by local activity) may reach
// the monitor in either order, so each carries an `order` (workflow time, then a count): the
// monitor keeps the newest.
export interface ReportTracker {
  track(report: Promise<void>): void;
  flush(): Promise<void>;
  /** The order of the next report: larger than any this run gave before. */
  nextOrder(): number;
}

export function createReportTracker(): ReportTracker {
  const pending = new Set<Promise<void>>();
  let lastMs = -1;
  let inSameMs = 0;
  return {
    nextOrder() {
      // Workflow time is the same for every report of one workflow task: a count orders those.
      const ms = Date.now();
      inSameMs = ms === lastMs ? inSameMs + 1 : 0;
      lastMs = ms;
      return ms * 1000 + Math.min(inSameMs, 999);
    },
    track(report) {
      pending.add(report);
      void report.finally(() => pending.delete(report));
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
