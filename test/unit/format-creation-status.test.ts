// What `nexus-bot show` prints of a creation (client/format-status.ts): a creation in rounds says
// how far it is; a single batch prints no rounds line.
import assert from 'node:assert/strict';
import { formatCreationStatus } from '../../client/format-status';
import type { CreationStatus } from '../../protocol/messages';

const base: CreationStatus = {
  rollupAdmin: `0x${'a'.repeat(40)}`,
  keyPath: 'mnemonic',
  count: 100,
  phase: 'depositing',
  pubkeys: [],
  paused: false,
};

describe('client: a creation as `show` prints it', () => {
  it('says how far a creation in rounds is', () => {
    const lines = formatCreationStatus(
      { ...base, rounds: { done: 2, deposited: 40, size: 20 } },
      'create-validators/x',
      'RUNNING',
    );
    assert.ok(
      lines.includes('rounds      2 of at most 5 done, 40 of 100 deposited (at most 20 per deposit)'),
      lines.join('\n'),
    );
  });

  it('prints no rounds line for a single batch', () => {
    const lines = formatCreationStatus(base, 'create-validators/x', 'RUNNING');
    assert.ok(!lines.some((l) => l.startsWith('rounds')), lines.join('\n'));
  });
});
