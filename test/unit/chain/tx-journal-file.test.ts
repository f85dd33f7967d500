// The append-only file journal (tx-journal-file.ts): a put appends one line (O(1) in the number of
// records), compaction keeps the last version of every key, a put torn by a crash is dropped by
// the stated rule, a corrupt file is an error (never an empty journal), and a version-1 file (as the
// old whole-file journal wrote it) is migrated.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptTxJournalError, FileTxJournal, readTxJournalRecords } from '../../../activities/chain/tx-journal-file';
import type { TxRecord } from '../../../activities/chain/tx-journal';
import { WholeFileTxJournal } from '../../../bench/whole-file-journal';
import { rejection } from '../../harness/rejection';

const record = (key: string, status: TxRecord['status'] = 'pending', attempts = 1): TxRecord => ({
  version: 1,
  idempotencyKey: key,
  label: 'test',
  from: '0x1',
  chainId: '31337',
  to: '0x2',
  value: '0',
  dataHash: '0xab',
  nonce: 7,
  gasLimit: '21000',
  attempts: Array.from({ length: attempts }, (_, i) => ({
    hash: `0x${key}${i}`,
    maxFeePerGas: '2',
    maxPriorityFeePerGas: '1',
    sentAt: i,
    raw: `0x${'ee'.repeat(200)}`,
  })),
  status,
  createdAt: 1,
  updatedAt: 2,
});
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

describe('chain: append-only file journal (tx-journal-file.ts)', () => {
  let dir: string;
  let n = 0;
  let path: string;
  beforeEach(() => {
    dir ??= mkdtempSync(join(tmpdir(), 'tx-journal-file-'));
    path = join(dir, `journal-${++n}.json`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a put appends exactly one line and leaves every earlier byte as it was; a new journal reads the last version of each key', async () => {
    const j = new FileTxJournal(path);
    await j.put('a', record('a'));
    await j.put('b', record('b'));
    const before = readFileSync(path);
    const update = record('a', 'mined', 2);
    await j.put('a', update);
    const after = readFileSync(path);
    assert.deepEqual(after.subarray(0, before.length), before, 'earlier bytes rewritten');
    assert.equal(after.length - before.length, Buffer.byteLength(`${JSON.stringify({ k: 'a', r: update })}\n`));
    assert.equal(lines(path).length, 4, 'header + 3 puts');
    await j.close();

    const again = new FileTxJournal(path);
    assert.deepEqual(await again.get('a'), update);
    assert.equal((await again.get('b'))?.status, 'pending');
    assert.equal(await again.get('c'), undefined);
    await again.close();
  });

  it('compaction keeps the last version of every key and prunes only the superseded ones', async () => {
    const logs: string[] = [];
    const j = new FileTxJournal(path, { compactMinLines: 10, compactRatio: 2, log: (m) => logs.push(m) });
    for (let round = 1; round <= 5; round++) {
      for (const k of ['a', 'b', 'c']) await j.put(k, record(k, round === 5 ? 'mined' : 'pending', round));
    }
    assert.ok(
      logs.some((m) => /compacted/.test(m)),
      'never compacted',
    );
    // 15 puts: the 10th compacts to one line per key (3), the next 5 append: header + 8 lines.
    assert.equal(lines(path).length, 1 + 3 + 5, 'not compacted at the 10th put');
    await j.close();
    const records = readTxJournalRecords(path);
    assert.deepEqual(records.map((r) => r.idempotencyKey).sort(), ['a', 'b', 'c'], 'a key was pruned');
    for (const r of records) {
      assert.equal(r.status, 'mined');
      assert.equal(r.attempts.length, 5, 'an older version survived compaction');
    }
    const again = new FileTxJournal(path);
    assert.equal((await again.get('b'))?.attempts.length, 5);
    await again.close();
  });

  it('crash mid-append: a last line without its newline is dropped and cut off; the key keeps its previous version and the next put is clean', async () => {
    const j = new FileTxJournal(path);
    await j.put('a', record('a'));
    await j.close();
    const torn = `${JSON.stringify({ k: 'a', r: record('a', 'mined', 2) })}\n`;
    appendFileSync(path, torn.slice(0, torn.length - 40)); // the crash cut the line
    assert.equal(readTxJournalRecords(path)[0].status, 'pending', 'an outside reader took the torn line');

    const logs: string[] = [];
    const again = new FileTxJournal(path, { log: (m) => logs.push(m) });
    assert.equal((await again.get('a'))?.status, 'pending');
    assert.ok(logs.some((m) => /torn last line/.test(m)));
    assert.ok(readFileSync(path, 'utf8').endsWith('\n'), 'the torn bytes were left in the file');
    await again.put('b', record('b'));
    await again.close();
    assert.deepEqual(
      readTxJournalRecords(path)
        .map((r) => r.idempotencyKey)
        .sort(),
      ['a', 'b'],
    );
  });

  it('a corrupt journal is an error, never an empty journal (and stays one on the next call)', async () => {
    await new FileTxJournal(path).put('a', record('a')).then(() => undefined);
    const good = readFileSync(path, 'utf8');
    const cases: [string, string, RegExp][] = [
      [
        'a broken line in the middle',
        good.replace('{"k":"a"', '{"k":"a"garbage') + `${JSON.stringify({ k: 'b', r: record('b') })}\n`,
        /line 2 is not a journal entry/,
      ],
      ['a complete last line that is not an entry', `${good}{"nope":1}\n`, /line 3 is not a journal entry/],
      [
        'a record under another key',
        `${good}${JSON.stringify({ k: 'x', r: record('y') })}\n`,
        /not a transaction record of x/,
      ],
      ['an empty file', '', /not a tx journal/],
      ['another file', 'hello\nworld\n', /not a tx journal/],
      ['a version-1 file without records', '{"version":1}', /not a tx journal \(version 1\)/],
      ['an unknown version', '{"format":"nexus-tx-journal","version":3}\n', /version 3 is not supported/],
    ];
    for (const [what, text, message] of cases) {
      writeFileSync(path, text);
      const j = new FileTxJournal(path);
      const err = await rejection(j.get('a'));
      assert.ok(err instanceof CorruptTxJournalError, `${what}: ${String(err)}`);
      assert.match(err.message, message, what);
      assert.ok(
        (await rejection(j.put('c', record('c')))) instanceof CorruptTxJournalError,
        `${what}: a put went through`,
      );
      assert.equal(readFileSync(path, 'utf8'), text, `${what}: the file was changed`);
    }
  });

  it('migrates a version-1 file written by the old whole-file journal: every record kept, the file becomes version 2', async () => {
    const old = new WholeFileTxJournal(path);
    await old.put('a', record('a', 'mined', 3));
    await old.put('b', record('b'));
    assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { version: number }).version, 1);
    assert.equal(readTxJournalRecords(path).length, 2, 'an outside reader cannot read version 1');

    const logs: string[] = [];
    const j = new FileTxJournal(path, { log: (m) => logs.push(m) });
    assert.deepEqual(await j.get('a'), record('a', 'mined', 3));
    assert.ok(logs.some((m) => /migrated a version-1 tx journal \(2 records\)/.test(m)));
    assert.equal(lines(path)[0], '{"format":"nexus-tx-journal","version":2}');
    const size = statSync(path).size;
    await j.put('c', record('c'));
    assert.ok(statSync(path).size > size);
    await j.close();
    assert.deepEqual(
      readTxJournalRecords(path)
        .map((r) => r.idempotencyKey)
        .sort(),
      ['a', 'b', 'c'],
    );
  });
});
