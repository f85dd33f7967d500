// Deposits are signed only for the connected network: chain id and beacon genesis must agree.
import assert from 'node:assert/strict';
import {
  checkSigningNetwork,
  forkVersionOfChain,
  SigningNetworkMismatchError,
} from '../../../activities/chain/signing-network';
import { genesisForkVersionOf } from '../../../activities/keys/deposit-data';

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;
const base = {
  depositNetwork: 'holesky',
  signingForkVersion: '0x01017000',
  chainForkVersions: {} as Record<string, string>,
};

function mismatch(fn: () => void): string {
  let message = '';
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SigningNetworkMismatchError);
    assert.equal(err.name, 'SigningNetworkMismatchError');
    message = err.message;
    return true;
  });
  assert.ok(!message.includes('\n'), 'one line');
  return message;
}

describe('signing network check', () => {
  it('the public chain ids map to the fork versions the deposit signer uses for those networks', async () => {
    for (const [id, network] of [
      [1, 'mainnet'],
      [17000, 'holesky'],
      [11155111, 'sepolia'],
      [560048, 'hoodi'],
    ] as const) {
      assert.equal(forkVersionOfChain(id, {})?.forkVersion, hex(await genesisForkVersionOf(network)), network);
    }
  });

  it('passes when chain and beacon agree with the signing fork version', () => {
    checkSigningNetwork({ ...base, chainId: 17000 });
    checkSigningNetwork({
      ...base,
      chainId: 17000,
      beacon: { genesisForkVersion: '0x01017000', endpoint: 'beacon#1 http://127.0.0.1:5052' },
    });
    checkSigningNetwork({ ...base, chainId: 31337n, chainForkVersions: { 31337: '0x01017000' } });
  });

  it('a chain of another network: names both fork versions and the chain', () => {
    const message = mismatch(() => checkSigningNetwork({ ...base, chainId: 1 }));
    assert.equal(
      message,
      'refusing to sign deposits: keys.depositNetwork holesky signs deposits with fork version 0x01017000, but chain id 1 (mainnet) uses 0x00000000',
    );
  });

  it('an unknown chain id without an explicit mapping is refused, naming it and the signing fork version', () => {
    const message = mismatch(() => checkSigningNetwork({ ...base, chainId: 31337 }));
    assert.match(
      message,
      /fork version 0x01017000, but chain id 31337 is not a known network \(map it in keys\.chainForkVersions/,
    );
    const mapped = mismatch(() =>
      checkSigningNetwork({ ...base, chainId: 31337, chainForkVersions: { 31337: '0x10000910' } }),
    );
    assert.match(mapped, /0x01017000, but chain id 31337 \(keys\.chainForkVersions\["31337"\]\) uses 0x10000910/);
  });

  it('a beacon node of another network: names both fork versions and the node', () => {
    const message = mismatch(() =>
      checkSigningNetwork({
        ...base,
        chainId: 17000,
        beacon: { genesisForkVersion: '0x10000910', endpoint: 'beacon#1 http://127.0.0.1:5052' },
      }),
    );
    assert.equal(
      message,
      'refusing to sign deposits: keys.depositNetwork holesky signs deposits with fork version 0x01017000, but beacon node beacon#1 http://127.0.0.1:5052 has genesis fork version 0x10000910',
    );
  });
});
