// The monitor's reconciliation decisions (workflows/reconciliation.ts): what it does with each
// kind of key the chain shows, given what it remembers. Nothing is ever done twice.
import assert from 'node:assert/strict';
import type { RollupReconciliation } from '../../activities/reconcile';
import { planReconciliation, type MonitorMemory } from '../../workflows/reconciliation';

const key = (n: number) => `0x${n.toString(16).padStart(96, '0')}`;

function view(over: Partial<RollupReconciliation> = {}): RollupReconciliation {
  return {
    blockNumber: 10,
    submitted: 0,
    counts: {},
    depositedUnregistered: [],
    exitSubmitted: [],
    currentEpoch: 100,
    ...over,
  };
}
const memory = (over: Partial<MonitorMemory> = {}): MonitorMemory => ({
  unregistered: [],
  followed: new Set(),
  creationRunning: false,
  ...over,
});

describe('unit: reconciliation decisions', () => {
  it('registers a deposited mnemonic key the monitor did not know, by its index, and says so', () => {
    const a = planReconciliation(
      view({ depositedUnregistered: [{ pubkey: key(1), origin: { kind: 'mnemonic', keyIndex: 4 } }] }),
      memory(),
    );
    assert.deepEqual(
      a.register.map((r) => [r.pubkey, r.keyIndex]),
      [[key(1), 4]],
    );
    assert.match(a.differences.join(), /1 deposited key\(s\) without keyshares that the monitor did not know/);
  });

  it('does not list a key twice that the monitor already has on its unregistered list', () => {
    const a = planReconciliation(
      view({ depositedUnregistered: [{ pubkey: key(1), origin: { kind: 'mnemonic', keyIndex: 4 } }] }),
      memory({ unregistered: [{ pubkey: key(1), keyIndex: 4, reason: 'failed' }] }),
    );
    assert.deepEqual(a.register, []);
    assert.deepEqual(a.differences, []);
  });

  it('leaves deposited keys to a creation batch that still runs', () => {
    const a = planReconciliation(
      view({ depositedUnregistered: [{ pubkey: key(1), origin: { kind: 'mnemonic', keyIndex: 4 } }] }),
      memory({ creationRunning: true }),
    );
    assert.deepEqual([a.register, a.attention, a.registerFromArchive], [[], [], []]);
  });

  it('forgets an unregistered key whose keyshares the chain shows registered', () => {
    const a = planReconciliation(view(), memory({ unregistered: [{ pubkey: key(2), keyIndex: 1, reason: 'failed' }] }));
    assert.deepEqual(a.forget, [key(2)]);
    assert.match(a.differences.join(), /have their keyshares on chain/);
  });

  it('sends a DKG key to its archived keyshares and an unknown key to an operator', () => {
    const a = planReconciliation(
      view({
        depositedUnregistered: [
          { pubkey: key(3), origin: { kind: 'dkg', requestId: 'r1', ownerNonce: 12, ceremonyState: 'deposited' } },
          { pubkey: key(4), origin: { kind: 'unknown' } },
        ],
      }),
      memory(),
    );
    assert.deepEqual(a.registerFromArchive, [{ pubkey: key(3), requestId: 'r1', ownerNonce: 12 }]);
    assert.deepEqual(
      a.attention.map((x) => x.pubkey),
      [key(4)],
    );
    assert.deepEqual(a.register, []);
  });

  it('follows exit-submitted keys that no batch follows, and only those', () => {
    const a = planReconciliation(
      view({
        exitSubmitted: [
          { pubkey: key(5), validatorIndex: 9, beaconStatus: 'active_exiting', keyPath: 'mnemonic' },
          { pubkey: key(6), validatorIndex: 10, beaconStatus: 'active_ongoing', keyPath: 'dkg' },
          { pubkey: key(7), validatorIndex: null, beaconStatus: 'unknown', keyPath: 'unknown' },
        ],
      }),
      memory({ followed: new Set([key(5)]) }),
    );
    assert.deepEqual(a.follow, [
      { pubkey: key(6), validatorIndex: 10, keyPath: 'dkg' },
      { pubkey: key(7), validatorIndex: -1, keyPath: 'dkg' },
    ]);
    assert.match(a.differences.join(), /2 exit-submitted validator\(s\) that no exit batch follows/);
  });

  it('finds nothing to do when memory and chain agree', () => {
    const a = planReconciliation(
      view({
        exitSubmitted: [{ pubkey: key(5), validatorIndex: 9, beaconStatus: 'active_exiting', keyPath: 'mnemonic' }],
      }),
      memory({ followed: new Set([key(5)]) }),
    );
    assert.deepEqual(a, {
      register: [],
      registerFromArchive: [],
      attention: [],
      forget: [],
      follow: [],
      differences: [],
    });
  });
});
