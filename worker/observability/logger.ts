// The worker's logger: one JSON object per line on standard output (or one readable text line),
// installed as the Temporal Runtime's logger, so that the SDK's own lines, workflow `log` calls
// and activity `Context.current().log` calls come out in the same form, with the SDK's context
// (workflowId, runId, workflowType, activityType, ...) and the bot's (`rollup`) as fields.
//
// Secrets (invariant 3): callers log identifiers and outcomes, never activity inputs wholesale;
// the SDK's activity task token (a capability to complete the activity) is dropped here.
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { LogTimestamp } from '@temporalio/worker';

export type LogFormat = 'json' | 'text';

const SEVERITY: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** Fields never written (the SDK adds taskToken to activity log lines). */
const DROPPED_FIELDS = new Set(['taskToken']);

/** One log line (without the newline). `time` is ISO 8601 UTC. */
export function formatLogLine(
  format: LogFormat,
  time: Date,
  level: LogLevel,
  message: string,
  meta: LogMetadata = {},
): string {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    if (DROPPED_FIELDS.has(key) || value === undefined) continue;
    fields[key] = value;
  }
  if (format === 'text') {
    const rest = Object.keys(fields).length > 0 ? ` ${safeStringify(fields)}` : '';
    return `${time.toISOString()} ${level.padEnd(5)} ${message}${rest}`;
  }
  // time, level and msg first and never overwritten by a field of the same name.
  const { time: _t, level: _l, msg: _m, ...others } = fields;
  return safeStringify({ time: time.toISOString(), level, msg: message, ...others });
}

/** JSON.stringify that never throws: errors as {name, message, type, stack}, bigints as strings, cycles cut. */
export function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, function (_key, v: unknown) {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) {
      const err = v as Error & { type?: unknown; cause?: unknown };
      return {
        name: err.name,
        message: err.message,
        ...(typeof err.type === 'string' ? { type: err.type } : {}),
        ...(err.stack ? { stack: err.stack } : {}),
        ...(err.cause !== undefined ? { cause: err.cause } : {}),
      };
    }
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}

export interface LineLoggerOptions {
  format: LogFormat;
  level: LogLevel;
  /** Where lines go (default: standard output). */
  write?: (line: string) => void;
}

/** A Temporal `Logger` writing one line per message. */
export class LineLogger implements Logger {
  private readonly severity: number;
  private readonly write: (line: string) => void;

  constructor(private readonly opts: LineLoggerOptions) {
    this.severity = SEVERITY[opts.level];
    this.write = opts.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (SEVERITY[level] < this.severity) return;
    // Lines forwarded from the SDK's core carry their own timestamp (nanoseconds since epoch).
    const nanos = (meta as Record<symbol, unknown> | undefined)?.[LogTimestamp];
    const time = typeof nanos === 'bigint' ? new Date(Number(nanos / 1_000_000n)) : new Date();
    this.write(formatLogLine(this.opts.format, time, level, message, meta));
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
