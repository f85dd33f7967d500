// The Nexus version: detected from SSV_NETWORK(), checked against the configured SSVNetwork.
import assert from 'node:assert/strict';
import { nexusInterface } from '../../../activities/chain/abi';
import { detectNexusVersion, nexusVersionResolver } from '../../../activities/chain/nexus-version';
import { FakeProvider } from './fake-provider';

const NEXUS = '0x' + 'a'.repeat(40);
const SSV = '0x' + 'b'.repeat(40);
const OTHER = '0x' + 'c'.repeat(40);

function nexus(ssvNetwork?: string): FakeProvider {
  const p = new FakeProvider();
  if (ssvNetwork) p.on(NEXUS, nexusInterface, 'SSV_NETWORK', [ssvNetwork]);
  return p;
}
const detect = (p: FakeProvider, setting: 'auto' | 'v2024-03' | 'v2024-06' = 'auto') =>
  detectNexusVersion({ provider: p.asProvider(), nexus: NEXUS, ssvNetwork: SSV, setting });

describe('Nexus version', () => {
  it('auto: SSV_NETWORK() answers → v2024-06; an empty revert → v2024-03', async () => {
    assert.equal(await detect(nexus(SSV)), 'v2024-06');
    assert.equal(await detect(nexus()), 'v2024-03');
  });

  it('v2024-06 whose SSV_NETWORK() is not the configured SSVNetwork is a configuration error naming both', async () => {
    await assert.rejects(detect(nexus(OTHER)), (err: Error) => {
      assert.equal(err.name, 'NexusVersionMismatchError');
      assert.ok(err.message.toLowerCase().includes(OTHER) && err.message.toLowerCase().includes(SSV), err.message);
      return true;
    });
  });

  it('a configured version: v2024-06 is checked, v2024-03 is trusted', async () => {
    await assert.rejects(detect(nexus(), 'v2024-06'), {
      name: 'NexusVersionMismatchError',
      message: /no SSV_NETWORK\(\)/,
    });
    assert.equal(await detect(nexus(SSV), 'v2024-06'), 'v2024-06');
    assert.equal(await detect(nexus(SSV), 'v2024-03'), 'v2024-03');
  });

  it('is resolved once per process, and a failure is not cached', async () => {
    const p = nexus(SSV);
    let down = true;
    const call = p.call.bind(p);
    p.call = async (tx) => {
      if (down) throw new Error('connect ECONNREFUSED');
      return call(tx);
    };
    const resolve = nexusVersionResolver({ provider: p.asProvider(), nexus: NEXUS, ssvNetwork: SSV, setting: 'auto' });
    await assert.rejects(resolve(), { name: 'ChainReadError' });
    down = false;
    assert.equal(await resolve(), 'v2024-06');
    const calls = p.calls.length;
    assert.equal(await resolve(), 'v2024-06');
    assert.equal(p.calls.length, calls);
  });
});
