// zap-style logging as ssv-dkg prints it, to stdout and appended to --logFilePath:
//   console: <RFC3339 UTC time>\t<LEVEL>\t<logger>\t<file:line>\t<message>[\t{"Key": value, ...}]
//   json:    {"level":"info","time":"…","logger":"…","caller":"…","msg":"…","Key":value}
// Levels below --logLevel are dropped; `capitalColor` wraps the level in ANSI colours as zap does.
import { appendFileSync } from 'node:fs';

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3, fatal: 5 };
const COLOUR: Record<Level, number> = { debug: 35, info: 34, warn: 33, error: 31, fatal: 31 };

export type FieldValue = string | number | bigint | boolean | readonly (number | bigint | string)[];
export type Fields = ReadonlyArray<readonly [string, FieldValue]>;

export interface LoggerOptions {
  name: string;
  level: string;
  format: string;
  levelFormat: string;
  /** Relative to the cwd (checked local before). */
  filePath?: string;
  /** Sub-second digits of the console timestamp: 3 (ping) or 6 (init's fatal line). */
  fractionDigits?: 3 | 6;
}

export class FatalExit extends Error {
  override readonly name = 'FatalExit';
}

export function parseLevel(value: string): Level {
  const v = value.toLowerCase();
  if (v === 'debug' || v === 'info' || v === 'warn' || v === 'error' || v === 'fatal') return v;
  throw new Error(`unrecognized level: "${value}"`);
}

/** RFC3339 UTC with the given number of fraction digits (the last three padded from hrtime). */
export function timestamp(digits: 3 | 6 = 3, date = new Date()): string {
  const iso = date.toISOString(); // …T18:14:00.623Z
  if (digits === 3) return iso;
  const micros = String(Number(process.hrtime.bigint() % 1000n)).padStart(3, '0');
  return `${iso.slice(0, -1)}${micros}Z`;
}

function encodeValue(value: FieldValue, separator = ', '): string {
  if (Array.isArray(value)) return `[${value.map((v) => encodeValue(v as FieldValue)).join(separator)}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

export class Logger {
  private readonly min: number;
  constructor(private readonly opts: LoggerOptions) {
    this.min = ORDER[parseLevel(opts.level)];
  }

  debug(caller: string, msg: string, fields: Fields = []): void {
    this.write('debug', caller, msg, fields);
  }
  info(caller: string, msg: string, fields: Fields = []): void {
    this.write('info', caller, msg, fields);
  }
  warn(caller: string, msg: string, fields: Fields = []): void {
    this.write('warn', caller, msg, fields);
  }
  error(caller: string, msg: string, fields: Fields = []): void {
    this.write('error', caller, msg, fields);
  }

  /** Logs at FATAL and throws FatalExit (main exits 1 on it, as zap's Fatal does). */
  fatal(caller: string, msg: string, fields: Fields = []): never {
    this.write('fatal', caller, msg, fields);
    throw new FatalExit(msg);
  }

  private write(level: Level, caller: string, msg: string, fields: Fields): void {
    if (ORDER[level] < this.min) return;
    const line =
      this.opts.format === 'console'
        ? this.consoleLine(level, caller, msg, fields)
        : this.jsonLine(level, caller, msg, fields);
    process.stdout.write(`${line}\n`);
    if (this.opts.filePath) appendFileSync(this.opts.filePath, `${line}\n`, { mode: 0o644 });
  }

  private levelText(level: Level): string {
    const fmt = this.opts.levelFormat;
    if (fmt === 'lowercase') return level;
    const upper = level.toUpperCase();
    return fmt === 'capitalColor' ? `\x1b[${COLOUR[level]}m${upper}\x1b[0m` : upper;
  }

  private consoleLine(level: Level, caller: string, msg: string, fields: Fields): string {
    const time = timestamp(level === 'fatal' ? 6 : (this.opts.fractionDigits ?? 3));
    const parts = [time, this.levelText(level), this.opts.name, caller, msg];
    if (fields.length > 0)
      parts.push(`{${fields.map(([k, v]) => `${JSON.stringify(k)}: ${encodeValue(v)}`).join(', ')}}`);
    return parts.join('\t');
  }

  private jsonLine(level: Level, caller: string, msg: string, fields: Fields): string {
    const head = [
      `"level":${JSON.stringify(level)}`,
      `"time":${JSON.stringify(timestamp(6))}`,
      `"logger":${JSON.stringify(this.opts.name)}`,
      `"caller":${JSON.stringify(caller)}`,
      `"msg":${JSON.stringify(msg)}`,
    ];
    const rest = fields.map(([k, v]) => `${JSON.stringify(k)}:${encodeValue(v, ',')}`);
    return `{${[...head, ...rest].join(',')}}`;
  }
}
