// Empty-data reverts on the read path: named after the contract and call, and never retried (the
// public contracts revert so when the function does not exist, e.g. ssvOperators on NodeOperator).
import assert from 'node:assert/strict';
import { bridgeInterface, nexusInterface } from '../../../activities/chain/abi';
import { EmptyRevertCallError } from '../../../activities/chain/read-errors';
import { readRollupState } from '../../../activities/chain/reads';
import {
  ContractRevertError,
  REVERT_CLASSIFICATION,
  classifyRevert,
  decodeRevertData,
} from '../../../activities/chain/revert';
import { explainUnknownRollup } from '../../../activities/rollup-check';
import { NON_RETRYABLE_TYPES } from '../../../protocol/failure-types';
import { FakeProvider, revertError } from './fake-provider';

const NEXUS = '0x' + 'a'.repeat(40);
const BRIDGE = '0x' + 'b'.repeat(40);
const ADMIN = '0x' + 'c'.repeat(40);

function rollup(bridge: { validatorCount?: boolean; amountDistributed?: boolean } = {}): FakeProvider {
  const p = new FakeProvider();
  p.on(NEXUS, nexusInterface, 'rollups', (args) =>
    String(args[0]).toLowerCase() === ADMIN ? [BRIDGE, 2000, 1] : ['0x' + '0'.repeat(40), 0, 0],
  );
  if (bridge.validatorCount !== false) p.on(BRIDGE, bridgeInterface, 'validatorCount', [3]);
  p.on(BRIDGE, bridgeInterface, 'NEXUS_NETWORK', [NEXUS]);
  if (bridge.amountDistributed) p.on(BRIDGE, bridgeInterface, 'amountDistributed', [0]);
  return p;
}

describe('empty-data reverts and unknown rollups (read path)', () => {
  it("EmptyRevertCallError is non-retryable, in the workflows' list too", () => {
    assert.equal(new EmptyRevertCallError('Nexus', '0x0', 'f()', 1).retryable, false);
    assert.ok(NON_RETRYABLE_TYPES.includes('EmptyRevertCallError'));
    assert.equal(classifyRevert('EmptyRevert').retry, 'never');
    assert.equal(
      REVERT_CLASSIFICATION.RollupNotRegistered,
      undefined,
      'the public Nexus has no RollupNotRegistered error',
    );
  });

  it('an admin Nexus does not know: "the rollup <admin> is not registered with Nexus"', async () => {
    await assert.rejects(readRollupState(rollup().asProvider(), NEXUS, '0x' + 'd'.repeat(40)), {
      name: 'RollupNotRegisteredError',
      message: /the rollup 0x[dD]{40} is not registered with Nexus/,
    });
  });

  it('a bridge without validatorCount() (nexusLibrary.sol) is UnsupportedBridgeError, named when the rollup is read', async () => {
    await assert.rejects(readRollupState(rollup({ validatorCount: false }).asProvider(), NEXUS, ADMIN), {
      name: 'UnsupportedBridgeError',
      message: /no validatorCount\(\).*nexusLibrary\.sol/,
    });
    assert.ok(NON_RETRYABLE_TYPES.includes('UnsupportedBridgeError'));
  });

  it('the bridge kind: amountDistributed() answers → User (CValue/Rebase), an empty revert → DAO', async () => {
    assert.equal(
      (await readRollupState(rollup({ amountDistributed: true }).asProvider(), NEXUS, ADMIN)).bridgeKind,
      'User',
    );
    assert.equal((await readRollupState(rollup().asProvider(), NEXUS, ADMIN)).bridgeKind, 'DAO');
  });

  it('a bridge call reverting without data names the contract and call', async () => {
    const p = rollup();
    p.on(BRIDGE, bridgeInterface, 'NEXUS_NETWORK', revertError('0x'));
    await assert.rejects(readRollupState(p.asProvider(), NEXUS, ADMIN), {
      name: 'EmptyRevertCallError',
      message: /NexusBaseBridge\.NEXUS_NETWORK\(\) at 0x[bB]{40} reverted without data/,
    });
  });
});

describe('explainUnknownRollup (a Nexus transaction that reverts without data)', () => {
  const emptyRevert = () =>
    new ContractRevertError(decodeRevertData('0x'), { phase: 'estimate', label: 'depositValidatorRollup' });

  it('an unknown admin, confirmed by a read, is RollupNotRegisteredError naming the call', async () => {
    const unknown = '0x' + 'd'.repeat(40);
    await assert.rejects(
      explainUnknownRollup(rollup().asProvider(), NEXUS, unknown, 'depositValidatorRollup', async () => {
        throw emptyRevert();
      }),
      {
        name: 'RollupNotRegisteredError',
        message: /is not registered with Nexus .*depositValidatorRollup reverted without data/,
      },
    );
  });

  it('a registered rollup keeps the empty revert (non-retryable Revert:EmptyRevert)', async () => {
    await assert.rejects(
      explainUnknownRollup(rollup().asProvider(), NEXUS, ADMIN, 'depositValidatorRollup', async () => {
        throw emptyRevert();
      }),
      (err: unknown) => {
        assert.ok(err instanceof ContractRevertError);
        assert.equal(err.type, 'Revert:EmptyRevert');
        assert.equal(err.retryable, false);
        return true;
      },
    );
  });
});
