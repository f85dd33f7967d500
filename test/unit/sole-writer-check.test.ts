// The sole-writer check's waiting loop (worker/sole-writer-check.ts), with a stand-in for
// Temporal's poller list: it checks often, so the writer starts soon after the other one stops,
// but raises its ERROR once, then again only after repeatErrorMs. (The real poller list is
// tested in test/integration/sole-writer.test.ts.)
import assert from 'node:assert/strict';
import { waitUntilSoleWriter, type SoleWriterCheck, type WriterPoller } from '../../worker/sole-writer-check';

function checkWith(answers: WriterPoller[][], repeatErrorMs: number) {
  const errors: string[] = [];
  const infos: string[] = [];
  let finds = 0;
  const check: SoleWriterCheck = {
    find: async () => answers[Math.min(finds++, answers.length - 1)],
    log: { error: (m) => errors.push(m), info: (m) => infos.push(m) },
    waitMs: 5,
    repeatErrorMs,
  };
  return { check, errors, infos, finds: () => finds };
}

const other: WriterPoller = { identity: '123@other-host', lastSeenMs: 1_000 };

describe('sole-writer check: waiting for another writer', () => {
  it('checks at every interval but raises the waiting ERROR once within repeatErrorMs, then starts', async () => {
    const { check, errors, infos, finds } = checkWith([[other], [other], [other], [other], [other], []], 60_000);
    const started = await waitUntilSoleWriter('writer-queue', check, new AbortController().signal);
    assert.equal(started, true);
    assert.equal(finds(), 6, 'asked Temporal at every check');
    assert.equal(errors.length, 1, `one ERROR while waiting, got ${errors.length}: ${JSON.stringify(errors)}`);
    assert.match(errors[0], /another process polls the chain-writer task queue/);
    assert.ok(
      infos.some((m) => m.includes('starting')),
      'says when it starts',
    );
  });

  it('raises the ERROR again once repeatErrorMs has passed', async () => {
    const { check, errors } = checkWith([[other], [other], [other], []], 1);
    await waitUntilSoleWriter('writer-queue', check, new AbortController().signal);
    assert.equal(errors.length, 3, `an ERROR at each check 1 ms apart, got ${errors.length}`);
  });
});
