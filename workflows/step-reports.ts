// Signals a batch sends to its monitor without waiting for each (phase and pause reports). They
// are flushed before the batch completes, fails or continues as new: a workflow must not close
// with a signal still on its way (the monitor would miss the last report, and the time-skipping
// test server leaks its time lock on such a close).
export interface ReportTracker {
  track(report: Promise<void>): void;
  flush(): Promise<void>;
}

export function createReportTracker(): ReportTracker {
  const pending = new Set<Promise<void>>();
  return {
    track(report) {
      pending.add(report);
      void report.finally(() => pending.delete(report));
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
