// The journal file as it was before issue 14 (version 1): one JSON object holding every record,
// rewritten whole on every put. Kept only so that bench/journal.ts can compare it with the
// append-only FileTxJournal; nothing in the bot uses it.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { TxJournal, TxRecord } from '../activities/chain/tx-journal';

interface JournalFile {
  version: 1;
  records: Record<string, TxRecord>;
}

/**
 * A JSON file holding every record, rewritten atomically on each put (temp file in the same
 * directory, fsync, rename), writes serialized. One process owns the file (as it owns the key).
 */
export class WholeFileTxJournal implements TxJournal {
  private records: Map<string, TxRecord> | undefined;
  private loading: Promise<Map<string, TxRecord>> | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  private load(): Promise<Map<string, TxRecord>> {
    if (this.records) return Promise.resolve(this.records);
    this.loading ??= (async () => {
      let text: string | undefined;
      try {
        text = await readFile(this.path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const map = new Map<string, TxRecord>();
      if (text !== undefined) {
        // A corrupt journal is an error, never silently an empty one (that would allow re-sends).
        const parsed = JSON.parse(text) as JournalFile;
        if (parsed.version !== 1 || typeof parsed.records !== 'object')
          throw new Error(`${this.path}: not a tx journal (version 1)`);
        for (const [k, v] of Object.entries(parsed.records)) map.set(k, v);
      }
      this.records = map;
      return map;
    })();
    return this.loading;
  }

  async get(key: string): Promise<TxRecord | undefined> {
    const r = (await this.load()).get(key);
    return r ? structuredClone(r) : undefined;
  }

  async put(key: string, record: TxRecord): Promise<void> {
    const map = await this.load();
    map.set(key, structuredClone(record));
    const write = this.writes.then(() => this.writeFile(map));
    this.writes = write.catch(() => undefined);
    await write;
  }

  private async writeFile(map: Map<string, TxRecord>): Promise<void> {
    const body: JournalFile = { version: 1, records: Object.fromEntries(map) };
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(body, null, 1));
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
  }
}
