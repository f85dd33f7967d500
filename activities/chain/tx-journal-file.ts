// The default transaction journal: one file, append-only (issue 14). Each put appends one line and
// fsyncs it, so a write costs the size of its record, not of the whole journal (the version-1 file
// was rewritten whole on every put: 0.3 s per write at 10,000 validators).
//
// Format (version 2, JSON lines):
//   {"format":"nexus-tx-journal","version":2}          header, always the first line
//   {"k":"<idempotency key>","r":{...TxRecord...}}      one line per put; the LAST line of a key wins
//
// Rules:
// - Only lines ending in "\n" count. A last line without its "\n" is a put torn by a crash: it is
//   dropped and cut off the file when the journal opens. That is safe because put() resolves only
//   after the whole line is written and fsynced, and the manager broadcasts only after put()
//   resolved: the torn version was never acted on, and the key's previous line still holds
//   everything that was.
// - Any other line that is not a journal entry, or a file that is neither version 2 nor a valid
//   version-1 file, is a CorruptTxJournalError: never an empty journal (that would allow re-sends).
// - A version-1 file (one JSON object {version:1, records}) is migrated on open: rewritten as
//   version 2 (temp file, fsync, rename, fsync of the folder), records unchanged.
// - Compaction rewrites the file with one line per key when it holds more than `compactRatio`
//   lines per key (and at least `compactMinLines`): it prunes only superseded versions of a record.
//   That is safe because every version is the whole record (attempts and earlier sends accumulate
//   inside it), so the last line of a key holds all that recovery reads. No key is ever pruned: the
//   key → record mapping is what stops a retried send from being sent twice, and the journal cannot
//   know that no retry of a finished activity will ever come. Compaction costs one rewrite per
//   (ratio − 1) × keys puts: O(1) per put amortized.
// One process owns the file (as it owns the bot key); several workers share DynamoTxJournal instead.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TxJournal, TxRecord } from './tx-journal';
import { TypedError } from '../typed-failure';

const HEADER = { format: 'nexus-tx-journal', version: 2 } as const;
const HEADER_LINE = `${JSON.stringify(HEADER)}\n`;

/** The journal file cannot be read as a journal. Nothing may be sent until an operator looks. */
export class CorruptTxJournalError extends TypedError {
  override readonly name = 'CorruptTxJournal';
}

export interface FileTxJournalOptions {
  /** Compact when the file holds more than this many lines per key; default 2. */
  compactRatio?: number;
  /** ...and at least this many lines; default 1000. */
  compactMinLines?: number;
  /** Told about a migration, a dropped torn line or a compaction (no record content). */
  log?: (message: string) => void;
}

interface Parsed {
  records: Map<string, TxRecord>;
  /** Entry lines (header excluded). */
  lines: number;
  /** 1 or 2. */
  version: number;
  /** Bytes up to the end of the last complete line. */
  validLength: number;
  tornBytes: number;
}

/** Parses a journal file's text (version 2, or version 1 to migrate); throws CorruptTxJournalError. */
export function parseTxJournal(text: string, path: string): Parsed {
  const firstEnd = text.indexOf('\n');
  let header: unknown;
  try {
    header = firstEnd >= 0 ? JSON.parse(text.slice(0, firstEnd)) : undefined;
  } catch {
    header = undefined;
  }
  const h = header as { format?: unknown; version?: unknown } | undefined;
  if (h?.format === HEADER.format) {
    if (h.version !== HEADER.version)
      throw new CorruptTxJournalError(
        `${path}: tx journal version ${String(h.version)} is not supported (expected ${HEADER.version})`,
      );
    return parseLines(text, firstEnd + 1, path);
  }
  let v1: { version?: unknown; records?: unknown };
  try {
    v1 = JSON.parse(text) as typeof v1;
  } catch {
    throw new CorruptTxJournalError(
      `${path}: not a tx journal (neither a version-2 header line nor a version-1 JSON file)`,
    );
  }
  if (v1?.version !== 1 || typeof v1.records !== 'object' || v1.records === null)
    throw new CorruptTxJournalError(`${path}: not a tx journal (version 1)`);
  const records = new Map<string, TxRecord>();
  for (const [k, r] of Object.entries(v1.records as Record<string, TxRecord>))
    records.set(k, checkRecord(k, r, path, 'version-1 record'));
  return { records, lines: records.size, version: 1, validLength: text.length, tornBytes: 0 };
}

function parseLines(text: string, start: number, path: string): Parsed {
  const records = new Map<string, TxRecord>();
  let lines = 0;
  let pos = start;
  for (let n = 2; ; n++) {
    const end = text.indexOf('\n', pos);
    if (end < 0) break;
    let entry: { k?: unknown; r?: unknown };
    try {
      entry = JSON.parse(text.slice(pos, end)) as typeof entry;
    } catch {
      throw new CorruptTxJournalError(`${path}: line ${n} is not a journal entry (not JSON)`);
    }
    if (typeof entry?.k !== 'string')
      throw new CorruptTxJournalError(`${path}: line ${n} is not a journal entry (no key)`);
    records.set(entry.k, checkRecord(entry.k, entry.r, path, `line ${n}`));
    lines++;
    pos = end + 1;
  }
  return { records, lines, version: 2, validLength: pos, tornBytes: text.length - pos };
}

function checkRecord(key: string, r: unknown, path: string, where: string): TxRecord {
  const rec = r as TxRecord | undefined;
  if (
    typeof rec !== 'object' ||
    rec === null ||
    rec.idempotencyKey !== key ||
    !Array.isArray(rec.attempts) ||
    typeof rec.status !== 'string'
  ) {
    throw new CorruptTxJournalError(`${path}: ${where} is not a transaction record of ${key}`);
  }
  return rec;
}

/**
 * Every record of a journal file (either version), read synchronously; [] when there is no file.
 * For tests, benches and tools that look at a worker's journal from outside: a torn last line
 * (a put in progress) is ignored, as the journal itself would.
 */
export function readTxJournalRecords(path: string): TxRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return [...parseTxJournal(text, path).records.values()];
}

interface OpenJournal {
  records: Map<string, TxRecord>;
  lines: number;
  fh: FileHandle;
}

export class FileTxJournal implements TxJournal {
  private opened: Promise<OpenJournal> | undefined;
  private writes: Promise<void> = Promise.resolve();
  private readonly compactRatio: number;
  private readonly compactMinLines: number;

  constructor(
    readonly path: string,
    private readonly opts: FileTxJournalOptions = {},
  ) {
    this.compactRatio = opts.compactRatio ?? 2;
    this.compactMinLines = opts.compactMinLines ?? 1000;
    if (!(this.compactRatio > 1)) throw new Error(`compactRatio must be above 1, got ${this.compactRatio}`);
  }

  async get(key: string): Promise<TxRecord | undefined> {
    const r = (await this.open()).records.get(key);
    return r ? structuredClone(r) : undefined;
  }

  /** Appends the record's new version and fsyncs it; resolves once it is durable. */
  put(key: string, record: TxRecord): Promise<void> {
    if (record.idempotencyKey !== key)
      return Promise.reject(new Error(`put: record of ${record.idempotencyKey} under key ${key}`));
    const copy = structuredClone(record);
    const line = `${JSON.stringify({ k: key, r: copy })}\n`;
    const write = this.writes.then(async () => {
      const j = await this.open();
      await j.fh.write(line);
      await j.fh.datasync();
      j.records.set(key, copy);
      j.lines++;
      if (j.lines >= this.compactMinLines && j.lines > this.compactRatio * j.records.size) await this.compact(j);
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** Closes the file (tests and benches; the worker keeps it open for its lifetime). */
  async close(): Promise<void> {
    await this.writes;
    const j = await this.opened?.catch(() => undefined);
    this.opened = undefined;
    await j?.fh.close();
  }

  private open(): Promise<OpenJournal> {
    this.opened ??= this.load();
    // A failed open (corrupt file, I/O error) is tried again on the next call, never cached as empty.
    this.opened.catch(() => {
      this.opened = undefined;
    });
    return this.opened;
  }

  private async load(): Promise<OpenJournal> {
    mkdirSync(dirname(this.path), { recursive: true });
    let text: string | undefined;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text === undefined) {
      await this.writeWhole(new Map());
      return { records: new Map(), lines: 0, fh: await open(this.path, 'a', 0o600) };
    }
    const parsed = parseTxJournal(text, this.path);
    if (parsed.version === 1) {
      await this.writeWhole(parsed.records);
      this.opts.log?.(`${this.path}: migrated a version-1 tx journal (${parsed.records.size} records) to version 2`);
    }
    const fh = await open(this.path, 'r+', 0o600);
    if (parsed.tornBytes > 0) {
      // Cut the torn put off, so that the next line starts on a line of its own.
      await fh.truncate(Buffer.byteLength(text.slice(0, parsed.validLength)));
      await fh.datasync();
      this.opts.log?.(
        `${this.path}: dropped a torn last line (${parsed.tornBytes} bytes without a newline: a put interrupted by a crash)`,
      );
    }
    await fh.close();
    return {
      records: parsed.records,
      lines: parsed.version === 1 ? parsed.records.size : parsed.lines,
      fh: await open(this.path, 'a', 0o600),
    };
  }

  private async compact(j: OpenJournal): Promise<void> {
    const before = j.lines;
    await this.writeWhole(j.records);
    await j.fh.close();
    j.fh = await open(this.path, 'a', 0o600);
    j.lines = j.records.size;
    this.opts.log?.(`${this.path}: compacted ${before} lines to ${j.lines} (one per key)`);
  }

  /** Writes header + one line per key to a temp file, fsyncs it, renames it over the journal, fsyncs the folder. */
  private async writeWhole(records: Map<string, TxRecord>): Promise<void> {
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      let chunk = HEADER_LINE;
      for (const [k, r] of records) {
        chunk += `${JSON.stringify({ k, r })}\n`;
        // Write in pieces: a single string of every record could pass V8's string limit.
        if (chunk.length > 1 << 20) {
          await fh.write(chunk);
          chunk = '';
        }
      }
      await fh.write(chunk);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    const dir = await open(dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
