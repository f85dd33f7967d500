// Invariant 10: the bot calls and listens for nothing the public Nexus contracts lack. Every
// function selector, event topic and error selector the bot declares for Nexus, NodeOperator and
// the bridges must be in the public interface (both versions, fixtures/nexus-public-interface.json,
// a copy of facts/nexus-public-interface.json). This replaces the old check against our local
// contracts, which could drift from production together with the bot.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { BRIDGE_ABI, NEXUS_ABI, NODE_OPERATOR_ABI } from '../../activities/chain/abi';

interface PublicContract {
  functions: Record<string, string>;
  events: Record<string, string>;
  errors: Record<string, string>;
}
const PUBLIC = (
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'nexus-public-interface.json'), 'utf8')) as {
    contracts: Record<string, PublicContract>;
  }
).contracts;

/** One bridge ABI serves every kind: each of its fragments must exist in at least one kind. */
function union(...names: string[]): PublicContract {
  const out: PublicContract = { functions: {}, events: {}, errors: {} };
  for (const n of names)
    for (const k of ['functions', 'events', 'errors'] as const) Object.assign(out[k], PUBLIC[n][k]);
  return out;
}

const CASES: [string, readonly string[], PublicContract][] = [
  ['Nexus', NEXUS_ABI, PUBLIC.Nexus],
  ['NodeOperator', NODE_OPERATOR_ABI, PUBLIC.NodeOperator],
  ['bridges', BRIDGE_ABI, union('NexusBaseBridge', 'NexusBridgeDAO', 'NexusBridgeUserCValue', 'NexusBridgeUserRebase')],
];

/** What the bot declares that the public contract lacks (signature [selector or topic]). */
export function nonConforming(abi: readonly string[], pub: PublicContract): string[] {
  const iface = new Interface(abi);
  const missing: string[] = [];
  iface.forEachFunction((f) => {
    if (pub.functions[f.selector] !== f.format('sighash'))
      missing.push(`function ${f.format('sighash')} [${f.selector}]`);
  });
  iface.forEachEvent((e) => {
    if (pub.events[e.topicHash] !== e.format('sighash')) missing.push(`event ${e.format('sighash')} [${e.topicHash}]`);
  });
  iface.forEachError((e) => {
    if (pub.errors[e.selector] !== e.format('sighash')) missing.push(`error ${e.format('sighash')} [${e.selector}]`);
  });
  return missing;
}

describe('bot ABI conforms to the public Nexus contracts', () => {
  for (const [name, abi, pub] of CASES) {
    it(`${name}: every function, event and error the bot declares is public`, () => {
      assert.deepEqual(nonConforming(abi, pub), []);
    });
  }

  it('the check catches what only the local contracts had (ssvOperators, RollupNotRegistered, a uint16 fee)', () => {
    const local = [
      'function ssvOperators(uint64 operatorId) view returns (string pubKey, string ipAddress, string name)',
      'error RollupNotRegistered()',
      'event RollupRegistered(address rollupAdmin, address bridgeContract, uint16 stakingLimit, uint64 operatorCluster, uint16 nexusFee)',
    ];
    assert.equal(nonConforming(local, union('Nexus', 'NodeOperator')).length, 3);
  });

  it('both validatorExit forms are declared (picked by Nexus version)', () => {
    const iface = new Interface(NEXUS_ABI);
    assert.equal(iface.getFunction('validatorExit(address,bytes[])')?.selector, '0xf87d7c56');
    assert.equal(iface.getFunction('validatorExit(address,bytes,uint64[])')?.selector, '0xe03ad13c');
  });
});
