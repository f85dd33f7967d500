// Operator data of a cluster from the public NodeOperator: ids sorted, keys from events and
// cross-checked against SSVNetwork, endpoints from ssvDKGIP.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { AbiCoder } from 'ethers';
import { nodeOperatorInterface, ssvNetworkInterface } from '../../../activities/chain/abi';
import { keyFingerprint, readClusterOperators } from '../../../activities/chain/operators';
import { encodeOperatorPublicKey } from '../../../activities/keys/operator-keys';
import { FakeProvider, revertError } from './fake-provider';

const NODE_OPERATOR = '0x' + '1'.repeat(40);
const SSV = '0x' + '2'.repeat(40);
const OWNER = '0x' + '3'.repeat(40);
const KEYS = Array.from({ length: 5 }, () =>
  encodeOperatorPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey),
);
const scan = { fromBlock: 0, maxRange: 1000 };

function chain(ids: number[] = [4, 2, 3, 1]): FakeProvider {
  const p = new FakeProvider();
  p.on(NODE_OPERATOR, nodeOperatorInterface, 'getCluster', (args) =>
    args[0] === 7n ? [ids] : revertError(nodeOperatorInterface.getError('ClusterNotPresent')?.selector),
  );
  p.on(NODE_OPERATOR, nodeOperatorInterface, 'ssvDKGIP', (args) => [`https://op${args[0]}.example:3030/`]);
  for (const id of [1, 2, 3, 4]) {
    p.addLog(NODE_OPERATOR, nodeOperatorInterface, 'SSVOperatorRegistered', [
      `op${id}`,
      id,
      KEYS[id],
      `https://old${id}:1`,
    ]);
    p.addLog(SSV, ssvNetworkInterface, 'OperatorAdded', [
      id,
      OWNER,
      AbiCoder.defaultAbiCoder().encode(['string'], [KEYS[id]]),
      0,
    ]);
  }
  return p;
}

const read = (p: FakeProvider, cluster = 7) =>
  readClusterOperators(p.asProvider(), { nodeOperator: NODE_OPERATOR, ssvNetwork: SSV }, cluster, scan);

describe('readClusterOperators (public NodeOperator)', () => {
  it('sorts the ids ascending, takes keys from the events and endpoints from ssvDKGIP', async () => {
    const ops = await read(chain());
    assert.deepEqual(
      ops.map((o) => o.id),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      ops.map((o) => o.publicKeyBase64),
      [KEYS[1], KEYS[2], KEYS[3], KEYS[4]],
    );
    assert.deepEqual(
      ops.map((o) => o.dkgEndpoint),
      [1, 2, 3, 4].map((id) => `https://op${id}.example:3030`),
    );
    assert.equal(ops[0].name, 'op1');
  });

  it('takes the latest registration of an id', async () => {
    const p = chain();
    p.addLog(NODE_OPERATOR, nodeOperatorInterface, 'SSVOperatorRegistered', ['op2-new', 2, KEYS[0], 'https://x:1']);
    p.addLog(SSV, ssvNetworkInterface, 'OperatorAdded', [
      2,
      OWNER,
      AbiCoder.defaultAbiCoder().encode(['string'], [KEYS[0]]),
      0,
    ]);
    const ops = await read(p);
    assert.equal(ops[1].publicKeyBase64, KEYS[0]);
    assert.equal(ops[1].name, 'op2-new');
  });

  it('refuses a cluster that is not 4/7/10/13 operators', async () => {
    await assert.rejects(read(chain([1, 2, 3])), { name: 'InvalidOperatorDataError', message: /3 operators/ });
  });

  it('names an unknown cluster', async () => {
    await assert.rejects(read(chain(), 8), { name: 'ClusterNotFoundError' });
  });

  it('a key NodeOperator and SSVNetwork disagree on is a named, non-retryable mismatch with both fingerprints', async () => {
    const p = chain();
    p.addLog(SSV, ssvNetworkInterface, 'OperatorAdded', [
      3,
      OWNER,
      AbiCoder.defaultAbiCoder().encode(['string'], [KEYS[0]]),
      0,
    ]);
    await assert.rejects(read(p), (err: Error & { operatorId?: number }) => {
      assert.equal(err.name, 'OperatorKeyMismatchError');
      assert.equal(err.operatorId, 3);
      assert.match(err.message, new RegExp(`${keyFingerprint(KEYS[3])}.*${keyFingerprint(KEYS[0])}`));
      return true;
    });
  });

  it('an operator missing from SSVNetwork or NodeOperator events is a mismatch too', async () => {
    const p = chain();
    p.logs.splice(
      p.logs.findIndex((l) => l.address.toLowerCase() === SSV.toLowerCase()),
      1,
    ); // operator 1's OperatorAdded
    await assert.rejects(read(p), { name: 'OperatorKeyMismatchError', message: /operator 1 .*no OperatorAdded/ });
    const q = chain();
    q.logs.splice(
      q.logs.findIndex((l) => l.address.toLowerCase() === NODE_OPERATOR.toLowerCase()),
      1,
    );
    await assert.rejects(read(q), {
      name: 'OperatorKeyMismatchError',
      message: /operator 1 .*no SSVOperatorRegistered/,
    });
  });

  it('a NodeOperator without a function (empty revert) is named and not retried', async () => {
    const p = chain();
    p.handlers.delete(
      [...p.handlers.keys()].find((k) =>
        k.endsWith(nodeOperatorInterface.getFunction('ssvDKGIP')?.selector ?? ''),
      ) as string,
    );
    await assert.rejects(read(p), {
      name: 'EmptyRevertCallError',
      message: /NodeOperator\.ssvDKGIP\(\d\) .*reverted without data/,
    });
  });
});
