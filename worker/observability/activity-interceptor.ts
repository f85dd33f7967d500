// One activity interceptor for the worker's observability, so that the activities stay free of it:
//   - every log line of an activity (the SDK's and `log.*` calls) carries `rollup` when the input
//     names one (`rollupAdmin`, a public address; nothing else of the input is ever logged);
//   - a failed attempt counts in nexus_activity_errors_total{activity,type};
//   - an attempt still running after `stuckAfterMs` is reported once as stuck: the
//     nexus_stuck_steps gauge (until it ends) and nexus_stuck_steps_total, and a WARN line
//     "step stuck" with the activity, workflow, rollup and running time;
//   - a successful monitor read (readRollup) or chain watcher poll (detectRollupChanges, waitForRollupChanges) sets its
//     last-success timestamp.
import { CancelledFailure, type Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptors, ActivityInterceptorsFactory } from '@temporalio/worker';
import type { BotMetrics } from './metrics';
import { asRollupAdmin, type RollupAdmin } from '../../protocol/identifiers';

export interface ActivityObservabilityOptions {
  metrics: Pick<BotMetrics, 'activityFailed' | 'stepStuck' | 'stuckStepEnded' | 'pollSucceeded' | 'watchSucceeded'>;
  stuckAfterMs: number;
  now?: () => number;
}

/** The rollup admin an activity input names, if it names one (any payload passes here: no error). */
export function rollupOf(args: readonly unknown[]): RollupAdmin | undefined {
  const first = args[0];
  if (typeof first !== 'object' || first === null) return undefined;
  const admin = (first as { rollupAdmin?: unknown }).rollupAdmin;
  try {
    return asRollupAdmin(admin);
  } catch {
    return undefined; // not an address: no rollup label
  }
}

/** The failure type counted for an error: the ApplicationFailure type, else the error's name. */
export function failureTypeOf(err: unknown): string {
  if (err instanceof CancelledFailure) return 'Cancelled';
  if (err instanceof ApplicationFailure && err.type) return err.type;
  if (err instanceof Error) return err.name || 'Error';
  return 'NonError';
}

export function activityObservabilityInterceptors(opts: ActivityObservabilityOptions): ActivityInterceptorsFactory {
  const now = opts.now ?? Date.now;
  return (ctx: Context): ActivityInterceptors => {
    let rollup: string | undefined;
    return {
      inbound: {
        async execute(input, next) {
          rollup = rollupOf(input.args);
          const activity = ctx.info.activityType;
          const started = now();
          let stuck = false;
          const timer = setTimeout(() => {
            stuck = true;
            opts.metrics.stepStuck(activity);
            ctx.log.warn('step stuck', {
              activity,
              runningSeconds: Math.round((now() - started) / 1000),
              stuckAfterSeconds: opts.stuckAfterMs / 1000,
            });
          }, opts.stuckAfterMs);
          timer.unref();
          try {
            const result = await next(input);
            if (activity === 'readRollup' && rollup) opts.metrics.pollSucceeded(rollup);
            else if (activity === 'detectRollupChanges' || activity === 'waitForRollupChanges')
              opts.metrics.watchSucceeded();
            return result;
          } catch (err) {
            opts.metrics.activityFailed(activity, failureTypeOf(err));
            throw err;
          } finally {
            clearTimeout(timer);
            if (stuck) {
              opts.metrics.stuckStepEnded();
              ctx.log.info('stuck step ended', { runningSeconds: Math.round((now() - started) / 1000) });
            }
          }
        },
      },
      outbound: {
        // The SDK adds workflowId, workflowRunId, workflowType, activityId, activityType, attempt, ...
        getLogAttributes(attrs, next) {
          return next(rollup ? { ...attrs, rollup } : attrs);
        },
      },
    };
  };
}
