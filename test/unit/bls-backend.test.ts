// @chainsafe/bls must run on its native blst backend (see DESIGN.md §6): the wasm fallback is
// five times slower and would mean the blst override in package.json stopped working.
import assert from 'node:assert/strict';

describe('@chainsafe/bls', () => {
  it('uses the native blst backend and signs and verifies', async () => {
    const { default: bls } = await import('@chainsafe/bls');
    assert.equal(bls.implementation, 'blst-native');
    const sk = bls.SecretKey.fromKeygen(new Uint8Array(32).fill(7));
    const message = new Uint8Array(32).fill(1);
    const signature = sk.sign(message);
    assert.ok(signature.verify(sk.toPublicKey(), message));
    assert.ok(!signature.verify(sk.toPublicKey(), new Uint8Array(32).fill(2)));
  });
});
