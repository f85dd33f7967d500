// Exit choice: mnemonic keys first, DKG keys refused on Nexus v2024-03 (reported, never waited for).
import assert from 'node:assert/strict';
import { chooseExitValidators, DKG_EXIT_BLOCKED_REASON } from '../../workflows/exit-choice';

const c = (n: number, hasKeyIndex: boolean) => ({
  pubkey: `0x${n.toString(16).padStart(96, '0')}`,
  validatorIndex: n,
  hasKeyIndex,
});
// Beacon order mixes the kinds: DKG keys 1, 2, 5; mnemonic keys 3, 4, 6.
const candidates = [c(1, false), c(2, false), c(3, true), c(4, true), c(5, false), c(6, true)];

describe('exit choice (workflows/exit-choice.ts)', () => {
  it('picks mnemonic keys first, each kind lowest beacon index first (v2024-06)', () => {
    const { chosen, blocked } = chooseExitValidators({ candidates, nexusVersion: 'v2024-06' }, 5, 'dkg');
    assert.deepEqual(
      chosen.map((v) => [v.validatorIndex, v.keyPath]),
      [
        [3, 'mnemonic'],
        [4, 'mnemonic'],
        [6, 'mnemonic'],
        [1, 'dkg'],
        [2, 'dkg'],
      ],
    );
    assert.equal(blocked, undefined);
  });

  it('v2024-03: never a DKG key; the exits they would fill are blocked, with the reason', () => {
    const { chosen, blocked } = chooseExitValidators({ candidates, nexusVersion: 'v2024-03' }, 5, 'dkg');
    assert.deepEqual(
      chosen.map((v) => v.validatorIndex),
      [3, 4, 6],
    );
    assert.ok(chosen.every((v) => v.keyPath === 'mnemonic'));
    assert.deepEqual(blocked && { reason: blocked.reason, count: blocked.count }, {
      reason: DKG_EXIT_BLOCKED_REASON,
      count: 2,
    });
  });

  it('v2024-03: enough mnemonic keys → nothing blocked; only DKG keys → nothing chosen, all blocked', () => {
    assert.equal(chooseExitValidators({ candidates, nexusVersion: 'v2024-03' }, 2, 'dkg').blocked, undefined);
    const onlyDkg = chooseExitValidators(
      { candidates: candidates.filter((x) => !x.hasKeyIndex), nexusVersion: 'v2024-03' },
      2,
      'dkg',
    );
    assert.deepEqual(onlyDkg.chosen, []);
    assert.equal(onlyDkg.blocked?.count, 2);
  });

  it('a mnemonic rollup treats every key as mnemonic (the index is found by derivation)', () => {
    const { chosen, blocked } = chooseExitValidators({ candidates, nexusVersion: 'v2024-03' }, 2, 'mnemonic');
    assert.deepEqual(
      chosen.map((v) => v.validatorIndex),
      [1, 2],
    );
    assert.equal(blocked, undefined);
  });
});
