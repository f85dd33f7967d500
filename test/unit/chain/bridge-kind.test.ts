// Exit accounting by bridge kind: the bot checks the bridge's own updateExitedValidators condition
// before sending validatorExitBalanceTransferred.
import assert from 'node:assert/strict';
import { AbiCoder } from 'ethers';
import { bridgeInterface } from '../../../activities/chain/abi';
import { readExitAccounting } from '../../../activities/chain/bridge-kind';
import { FakeProvider, revertError } from './fake-provider';

const BRIDGE = '0x' + 'b'.repeat(40);
const ETH = 10n ** 18n;
const panic = (code: number) =>
  revertError('0x4e487b71' + AbiCoder.defaultAbiCoder().encode(['uint256'], [code]).slice(2));

function bridge(rewards: bigint | Error, distributed?: bigint): FakeProvider {
  const p = new FakeProvider();
  p.on(BRIDGE, bridgeInterface, 'getRewards', rewards instanceof Error ? rewards : [rewards]);
  if (distributed !== undefined) p.on(BRIDGE, bridgeInterface, 'amountDistributed', [distributed]);
  return p;
}

describe('exit accounting by bridge kind (bridge-kind.ts)', () => {
  it('DAO: getRewards() ≥ 32 ETH', async () => {
    assert.equal((await readExitAccounting(bridge(32n * ETH).asProvider(), BRIDGE, 'DAO')).ready, true);
    assert.equal((await readExitAccounting(bridge(32n * ETH - 1n).asProvider(), BRIDGE, 'DAO')).ready, false);
  });

  it('CValue/Rebase (User): getRewards() − amountDistributed() ≥ 32 ETH', async () => {
    const short = await readExitAccounting(bridge(40n * ETH, 10n * ETH).asProvider(), BRIDGE, 'User');
    assert.equal(short.ready, false, '40 ETH of rewards, 10 distributed: only 30 returned');
    assert.match(short.reason, /getRewards\(\) − amountDistributed\(\) = 30000000000000000000 wei/);
    assert.equal((await readExitAccounting(bridge(42n * ETH, 10n * ETH).asProvider(), BRIDGE, 'User')).ready, true);
  });

  it('a getRewards() underflow (Panic 0x11) means "not back yet", not an error; another panic is an error', async () => {
    const waiting = await readExitAccounting(bridge(panic(0x11)).asProvider(), BRIDGE, 'DAO');
    assert.equal(waiting.ready, false);
    assert.match(waiting.reason, /underflows/);
    await assert.rejects(readExitAccounting(bridge(panic(0x12)).asProvider(), BRIDGE, 'DAO'), {
      name: 'ContractCallRevertedError',
    });
  });
});
