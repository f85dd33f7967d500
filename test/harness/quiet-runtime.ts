// Loaded by mocha before any test: the Temporal SDK logs only warnings and errors during tests.
// Tests that must see a workflow's log line (e.g. a dropped signal) listen through `logListeners`.
import { DefaultLogger, Runtime, type LogLevel, type LogMetadata, type Logger } from '@temporalio/worker';

export interface LoggedLine {
  level: LogLevel;
  message: string;
  meta?: LogMetadata;
}

/** Called with every line the SDK logs at WARN or above, workflow and activity lines included. */
export const logListeners = new Set<(line: LoggedLine) => void>();

class ListenedLogger implements Logger {
  private readonly printer = new DefaultLogger('WARN');

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (level === 'WARN' || level === 'ERROR') for (const listener of logListeners) listener({ level, message, meta });
    this.printer.log(level, message, meta);
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

Runtime.install({
  logger: new ListenedLogger(),
  telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
});
