// Conformance: each local Nexus contract's compiled ABI has exactly the public contracts' function
// selectors, event topics and errors (test/fixtures/nexus-public-interface.json, the union of both
// public versions), with the v2024-03 / v2024-06 split of the facts, and nothing else except the
// deployable example bridge's own additions (named below).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ethers } from 'ethers';
import { contractInterface } from '../../contracts/artifacts';
import { bridgeContractName, nexusContractName, type BridgeKind, type NexusVersion } from '../../contracts/deploy';

interface PublicContract {
  functions: Record<string, string>;
  events: Record<string, string>;
  errors: Record<string, string>;
}
const PUBLIC = (
  JSON.parse(readFileSync(join(__dirname, '../fixtures/nexus-public-interface.json'), 'utf8')) as {
    contracts: Record<string, PublicContract>;
  }
).contracts;

/** Only in v2024-06 (facts table): removed from the union for v2024-03. */
const ONLY_V2024_06 = {
  Nexus: { functions: ['0x91649751', '0x0df1ecfd', '0xe03ad13c'], events: [], errors: [] },
  bridge: { functions: ['0xb69ef8a8', '0xf350df10'], events: [], errors: ['0x19a6bd0f'] },
};
/** Only in v2024-03: validatorExit(address,bytes[]). */
const ONLY_V2024_03 = {
  Nexus: { functions: ['0xf87d7c56'], events: [], errors: [] },
  bridge: { functions: [], events: [], errors: [] },
};

/** The deployable example's own additions (public demo_contracts/BridgeContractDAO): depositFunds() and EthReceived. */
const EXAMPLE_BRIDGE_ADDITIONS = {
  functions: [ethers.id('depositFunds()').slice(0, 10)],
  events: [ethers.id('EthReceived(uint256)')],
  errors: [],
};

type Kind = 'functions' | 'events' | 'errors';
const KINDS: Kind[] = ['functions', 'events', 'errors'];

function publicSelectors(name: string): Record<Kind, Set<string>> {
  const c = PUBLIC[name];
  assert.ok(c, `no ${name} in the public interface`);
  return {
    functions: new Set(Object.keys(c.functions)),
    events: new Set(Object.keys(c.events)),
    errors: new Set(Object.keys(c.errors)),
  };
}

function localSelectors(iface: ethers.Interface): Record<Kind, Map<string, string>> {
  const out = {
    functions: new Map<string, string>(),
    events: new Map<string, string>(),
    errors: new Map<string, string>(),
  };
  iface.forEachFunction((f) => out.functions.set(f.selector, f.format('sighash')));
  iface.forEachEvent((e) => out.events.set(e.topicHash, e.format('sighash')));
  iface.forEachError((e) => out.errors.set(e.selector, e.format('sighash')));
  return out;
}

function expected(base: string, version: NexusVersion, group: 'Nexus' | 'bridge', additions?: Record<Kind, string[]>) {
  const sets = publicSelectors(base);
  const other = version === 'v2024-03' ? ONLY_V2024_06[group] : ONLY_V2024_03[group];
  for (const k of KINDS) {
    for (const s of other[k]) sets[k].delete(s);
    for (const s of additions?.[k] ?? []) sets[k].add(s);
  }
  return sets;
}

async function assertExactly(localName: string, want: Record<Kind, Set<string>>, publicName: string): Promise<void> {
  const local = localSelectors(await contractInterface(localName));
  for (const k of KINDS) {
    const missing = [...want[k]]
      .filter((s) => !local[k].has(s))
      .map((s) => `${s} ${PUBLIC[publicName][k][s] ?? '(allowed addition)'}`);
    const extra = [...local[k].entries()].filter(([s]) => !want[k].has(s)).map(([s, sig]) => `${s} ${sig}`);
    assert.deepEqual(
      { missing, extra },
      { missing: [], extra: [] },
      `${localName} ${k} differ from public ${publicName}`,
    );
  }
}

const VERSIONS: NexusVersion[] = ['v2024-03', 'v2024-06'];
const BRIDGES: [BridgeKind, string][] = [
  ['DAO', 'NexusBridgeDAO'],
  ['CValue', 'NexusBridgeUserCValue'],
  ['Rebase', 'NexusBridgeUserRebase'],
];

describe('contracts: public interface conformance', function () {
  this.timeout(120_000);

  for (const version of VERSIONS) {
    it(`Nexus ${version} has exactly the public functions, events and errors`, async () => {
      await assertExactly(nexusContractName(version), expected('Nexus', version, 'Nexus'), 'Nexus');
    });
    for (const [kind, publicName] of BRIDGES) {
      it(`bridge ${kind} ${version} has exactly the public ${publicName} ABI plus the example's additions`, async () => {
        await assertExactly(
          bridgeContractName(kind, version),
          expected(publicName, version, 'bridge', EXAMPLE_BRIDGE_ADDITIONS),
          publicName,
        );
      });
    }
  }

  it('the abstract kinds and base are the public v2024-03 ones; NexusBridgeExecutionRewards adds v2024-06', async () => {
    await assertExactly('NexusBaseBridge', expected('NexusBaseBridge', 'v2024-03', 'bridge'), 'NexusBaseBridge');
    await assertExactly(
      'NexusBridgeExecutionRewards',
      expected('NexusBaseBridge', 'v2024-06', 'bridge'),
      'NexusBaseBridge',
    );
    for (const [, publicName] of BRIDGES)
      await assertExactly(publicName, expected(publicName, 'v2024-03', 'bridge'), publicName);
  });

  it('NodeOperator has exactly the public ABI', async () => {
    await assertExactly('NodeOperator', publicSelectors('NodeOperator'), 'NodeOperator');
  });

  it('the RollupRegistered and SSVOperatorRegistered topics are the public ones (uint256 fee, indexed operator id)', async () => {
    const nexus = await contractInterface(nexusContractName('v2024-06'));
    assert.ok(nexus.getEvent('RollupRegistered')?.topicHash.startsWith('0xb2098e69'));
    const nodeOperator = await contractInterface('NodeOperator');
    const registered = nodeOperator.getEvent('SSVOperatorRegistered');
    assert.ok(registered?.topicHash.startsWith('0xa7ed53e2'));
    assert.deepEqual(
      registered!.inputs.map((i) => i.indexed),
      [false, true, false, false],
    );
  });
});
