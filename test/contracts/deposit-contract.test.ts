// The local deposit contract recomputes deposit_data_root like the official one: real BLS deposit
// data with a TS-computed SSZ root is accepted (and the contract's root equals ours), a wrong root is
// rejected, and the deposit tree root / count follow the official incremental Merkle tree.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ethers } from 'ethers';
import {
  DEPOSIT_AMOUNT_GWEI,
  depositDomain,
  executionWithdrawalCredentials,
  loadBls,
  makeDepositData,
  signingRoot,
  type DepositData,
} from './deposit-data';
import { ETH, eventsOf, expectRevert, send, useContractFixture } from './helpers';

const MISMATCH = 'DepositContract: reconstructed DepositData does not match supplied deposit_data_root';

/** The deposit tree root computed naively: all leaves, padded with zero leaves to depth 32, plus the count. */
function naiveDepositRoot(leaves: Buffer[]): string {
  const sha = (a: Buffer, b: Buffer) => createHash('sha256').update(a).update(b).digest();
  let zero = Buffer.alloc(32);
  let layer = [...leaves];
  for (let h = 0; h < 32; h++) {
    if (layer.length % 2 === 1) layer.push(zero);
    const next: Buffer[] = [];
    for (let i = 0; i < layer.length; i += 2) next.push(sha(layer[i], layer[i + 1]));
    layer = next.length > 0 ? next : [sha(zero, zero)];
    zero = sha(zero, zero);
  }
  const count = Buffer.alloc(32);
  count.writeBigUInt64LE(BigInt(leaves.length));
  return ethers.hexlify(sha(layer[0], count));
}

describe('contracts: DepositContract', function () {
  const fx = useContractFixture();

  async function deposit(d: DepositData, root: Uint8Array = d.depositDataRoot, value = 32n * ETH) {
    const depositContract = fx().system.contracts.depositContract;
    return send(depositContract, 'deposit', d.pubkey, d.withdrawalCredentials, d.signature, root, { value });
  }

  it('accepts real deposit data whose root was computed in TypeScript, and emits DepositEvent', async () => {
    const d = await makeDepositData({
      withdrawalCredentials: executionWithdrawalCredentials(fx().rollup.bridgeAddress),
    });
    // The signature is a valid BLS signature over the DepositMessage signing root.
    const bls = await loadBls();
    assert.ok(bls.verify(d.pubkey, signingRoot(d.depositMessageRoot, depositDomain(Buffer.alloc(4))), d.signature));

    const depositContract = fx().system.contracts.depositContract;
    const countBefore = Buffer.from(
      ethers.getBytes((await depositContract.get_deposit_count()) as string),
    ).readBigUInt64LE();
    const receipt = await deposit(d);
    const [event] = eventsOf(receipt, depositContract, 'DepositEvent');
    assert.ok(event, 'DepositEvent emitted');
    assert.equal(event.args.pubkey, ethers.hexlify(d.pubkey));
    assert.equal(event.args.withdrawal_credentials, ethers.hexlify(d.withdrawalCredentials));
    assert.equal(event.args.signature, ethers.hexlify(d.signature));
    // amount and index are 8-byte little-endian
    const amount = Buffer.alloc(8);
    amount.writeBigUInt64LE(DEPOSIT_AMOUNT_GWEI);
    assert.equal(event.args.amount, ethers.hexlify(amount));
    const index = Buffer.alloc(8);
    index.writeBigUInt64LE(countBefore);
    assert.equal(event.args.index, ethers.hexlify(index));
  });

  it('rejects a wrong deposit_data_root (and a root computed for another amount)', async () => {
    const d = await makeDepositData({
      withdrawalCredentials: executionWithdrawalCredentials(fx().rollup.bridgeAddress),
    });
    const wrong = Buffer.from(d.depositDataRoot);
    wrong[31] ^= 1;
    await expectRevert(deposit(d, wrong), { reason: MISMATCH });
    // The root commits to the amount: the right root for 32 ETH does not fit a 31 ETH deposit.
    await expectRevert(deposit(d, d.depositDataRoot, 31n * ETH), { reason: MISMATCH });
    // The deposit message root is not the deposit data root.
    await expectRevert(deposit(d, d.depositMessageRoot), { reason: MISMATCH });
  });

  it('rejects bad lengths and amounts as the official contract does', async () => {
    const d = await makeDepositData({
      withdrawalCredentials: executionWithdrawalCredentials(fx().rollup.bridgeAddress),
    });
    const depositContract = fx().system.contracts.depositContract;
    await expectRevert(
      send(depositContract, 'deposit', d.pubkey.subarray(1), d.withdrawalCredentials, d.signature, d.depositDataRoot, {
        value: 32n * ETH,
      }),
      { reason: 'DepositContract: invalid pubkey length' },
    );
    await expectRevert(deposit(d, d.depositDataRoot, ETH / 2n), { reason: 'DepositContract: deposit value too low' });
    await expectRevert(deposit(d, d.depositDataRoot, 32n * ETH + 1n), {
      reason: 'DepositContract: deposit value not multiple of gwei',
    });
  });

  it('keeps the deposit root and count of the official incremental Merkle tree', async () => {
    const depositContract = fx().system.contracts.depositContract;
    assert.equal(await depositContract.get_deposit_root(), naiveDepositRoot([]));
    const leaves: Buffer[] = [];
    for (let i = 0; i < 5; i++) {
      const d = await makeDepositData({ withdrawalCredentials: executionWithdrawalCredentials(fx().stranger.address) });
      await deposit(d);
      leaves.push(d.depositDataRoot);
      assert.equal(await depositContract.get_deposit_root(), naiveDepositRoot(leaves), `root after ${i + 1} deposits`);
    }
    assert.equal(await depositContract.get_deposit_count(), '0x0500000000000000');
  });

  it('reports ERC-165 and the deposit contract interface', async () => {
    const depositContract = fx().system.contracts.depositContract;
    const selectors = ['deposit(bytes,bytes,bytes,bytes32)', 'get_deposit_root()', 'get_deposit_count()'].map((s) =>
      Number.parseInt(ethers.id(s).slice(2, 10), 16),
    );
    const interfaceId = `0x${(selectors.reduce((a, b) => a ^ b) >>> 0).toString(16).padStart(8, '0')}`;
    assert.equal(await depositContract.supportsInterface('0x01ffc9a7'), true);
    assert.equal(await depositContract.supportsInterface(interfaceId), true);
    assert.equal(await depositContract.supportsInterface('0xffffffff'), false);
  });
});
