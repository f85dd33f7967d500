// Deposit data against a published vector (ChorusOne/eth-staking-smith, mainnet, mnemonic and
// secret key published) and a second one from another tool (lidofinance/lido-local-devnet, made
// with staking-deposit-cli from `abandon ×11 about` on a devnet fork version), the mainnet deposit
// domain, every tamper rejected for the right reason, and acceptance by a real deposit contract.
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { deployContract, freshNonce } from '../../../contracts/artifacts';
import { ANVIL_DEV_MNEMONIC, startAnvil } from '../../../localnet/services/anvil';
import {
  depositDataFromCli,
  depositDomain,
  genesisForkVersionOf,
  signDepositData,
  verifyDepositData,
  withdrawalCredentialsFor,
  type DepositCliEntry,
  type DepositData,
} from '../../../activities/keys/deposit-data';
import { deriveSigningKeys, wipeKeys } from '../../../activities/keys/derivation';
import { DepositDataInvalidError, type DepositDataProblemCode } from '../../../activities/keys/errors';
import { useService } from '../../harness/service';

/**
 * ChorusOne/eth-staking-smith, src/validators.rs, test_export_validators_existing_mnemonic: mainnet,
 * index 0 of PHRASE, withdrawal address 0x…01, 32 ETH; its private key is published too.
 */
const STAKING_SMITH = {
  mnemonic:
    'entire habit bottom mention spoil clown finger wheat motion fox axis mechanic country make garment bar blind stadium sugar water scissors canyon often ketchup',
  secretKey: '3f3e0a69a6a66aeaec606a2ccb47c703afb2e8ae64f70a1650c03343b06e8f0c',
  entry: {
    pubkey: '8666389c3fe6ff0bca9adba81504f380b9e2c719419760d561836472fafe295cb50696524e19cba084e1d788d66c80d6',
    withdrawal_credentials: '0100000000000000000000000000000000000000000000000000000000000001',
    amount: 32000000000,
    signature:
      'a1f3ece1cb871e1af29fdaf94cab58d48d128d0ed2342a1f042f49344943c25ec6eab4f2219301e421a88453c6aa29e90b78373a8341c17738bc0ff4d0a724494535b494cd21fd2633a7a12353a5232c9806e1576f1e2447631ec3310db4008b',
    deposit_message_root: 'dc224ac1c94d70906d643644f20398bdea5dabea123116a9d6135b8f5f4906bd',
    deposit_data_root: 'f5c6b52d2ba608f0df4123e5ed051b5765a636e09d1372668e1ec074430f2279',
    fork_version: '00000000',
    network_name: 'mainnet',
    deposit_cli_version: '2.7.0',
  } satisfies DepositCliEntry,
};

/** lidofinance/lido-local-devnet, src/commands/.../devnet config (deposit-cli 2.8.0, fork 0x10000038, `abandon ×11 about` index 0). */
const LIDO_DEVNET = {
  mnemonic: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
  entry: {
    pubkey: 'b3e445d43871965d890a398f719348a1405ac72e35b92727cc570026f54471af7ea7b2040622a8fd0b5bfb2a209b5911',
    withdrawal_credentials: '010000000000000000000000f93ee4cf8c6c40b329b0c0626f28333c132cf241',
    amount: 32000000000,
    signature:
      '999997d98b08c3513bf2722a6e62fce6824854caf22bfff43fe942f29ea2061a611d10c6bdb9e4cec73d7dfbfed9ed6a0cda76bd05b6c0dc9951238d7d7ae2e201014502fc95e12a7e0eb20539309a3c06e03d76305cf7f9c6a8b39e2f278e04',
    deposit_message_root: '524546181f83c9e0adf68da0da61ae6a079c8fab95d29514c4911672cb18d51d',
    deposit_data_root: '425f817e7ed0aad4e9e729c9a064ab5666d22d04681f89ffc33e85ea7a8a32ae',
    fork_version: '10000038',
  } satisfies DepositCliEntry,
};

const MAINNET = '0x00000000';
const GWEI_32 = 32_000_000_000n;
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;

/** Flips the lowest bit of the last byte of a hex string (with or without 0x). */
function flipLastByte(h: string): string {
  const last = parseInt(h.slice(-2), 16) ^ 0x01;
  return h.slice(0, -2) + last.toString(16).padStart(2, '0');
}

async function problemCodes(promise: Promise<unknown>): Promise<DepositDataProblemCode[]> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof DepositDataInvalidError, `expected DepositDataInvalidError, got ${String(err)}`);
  assert.equal(err.name, 'DepositDataInvalidError');
  return [...err.codes].sort();
}

describe('keys: deposit data', () => {
  const mainnetOpts = {
    genesisForkVersion: MAINNET,
    expectedWithdrawalCredentials: `0x${STAKING_SMITH.entry.withdrawal_credentials}`,
    expectedAmountGwei: GWEI_32,
  };

  it('fork versions come from @lodestar/config (holesky from its published config)', async () => {
    assert.equal(hex(await genesisForkVersionOf('mainnet')), '0x00000000');
    assert.equal(hex(await genesisForkVersionOf('sepolia')), '0x90000069');
    assert.equal(hex(await genesisForkVersionOf('hoodi')), '0x10000910');
    assert.equal(hex(await genesisForkVersionOf('holesky')), '0x01017000');
  });

  it('mainnet deposit domain is 0x03000000f5a5fd42…a9', async () => {
    assert.equal(
      hex(await depositDomain(MAINNET)),
      '0x03000000f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a9',
    );
    assert.equal(
      hex(await depositDomain(new Uint8Array(4))),
      '0x03000000f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a9',
    );
  });

  it('withdrawalCredentialsFor: 0x01 ‖ 11 zero bytes ‖ address', () => {
    assert.equal(
      withdrawalCredentialsFor(ethers.getAddress('0xf93ee4cf8c6c40b329b0c0626f28333c132cf241')),
      '0x010000000000000000000000f93ee4cf8c6c40b329b0c0626f28333c132cf241',
    );
    assert.equal(
      withdrawalCredentialsFor('0x0000000000000000000000000000000000000001'),
      `0x${STAKING_SMITH.entry.withdrawal_credentials}`,
    );
    assert.throws(() => withdrawalCredentialsFor('0x1234'));
    assert.throws(() => withdrawalCredentialsFor('0xF93Ee4Cf8c6c40b329b0c0626F28333c132CF241'), /checksum/); // mixed case, wrong checksum
  });

  it('verifyDepositData accepts the published vectors, hex with or without 0x', async () => {
    const fromCli = await verifyDepositData(STAKING_SMITH.entry, mainnetOpts);
    assert.equal(fromCli.pubkey, `0x${STAKING_SMITH.entry.pubkey}`);
    assert.equal(fromCli.amountGwei, '32000000000');
    // The same data in the bot's 0x form and in upper-case hex without 0x.
    await verifyDepositData(depositDataFromCli(STAKING_SMITH.entry), mainnetOpts);
    const bare = depositDataFromCli(STAKING_SMITH.entry);
    const noPrefix: DepositData = Object.fromEntries(
      Object.entries(bare).map(([k, v]) => [k, k === 'amountGwei' ? v : v.slice(2).toUpperCase()]),
    ) as unknown as DepositData;
    await verifyDepositData(noPrefix, mainnetOpts);

    await verifyDepositData(LIDO_DEVNET.entry, {
      genesisForkVersion: '0x10000038',
      expectedWithdrawalCredentials: withdrawalCredentialsFor('0xf93ee4cf8c6c40b329b0c0626f28333c132cf241'),
      expectedAmountGwei: 32_000_000_000,
    });
  });

  it('signDepositData reproduces the published vectors from their mnemonics', async () => {
    const [smith] = await deriveSigningKeys(STAKING_SMITH.mnemonic, [0]);
    assert.equal(Buffer.from(smith.secretKey).toString('hex'), STAKING_SMITH.secretKey);
    const signed = await signDepositData({
      secretKey: smith.secretKey,
      withdrawalCredentials: withdrawalCredentialsFor('0x0000000000000000000000000000000000000001'),
      amountGwei: GWEI_32,
      genesisForkVersion: await genesisForkVersionOf('mainnet'),
    });
    assert.deepEqual(signed, depositDataFromCli(STAKING_SMITH.entry));

    const [lido] = await deriveSigningKeys(LIDO_DEVNET.mnemonic, [0]);
    const signedLido = await signDepositData({
      secretKey: lido.secretKey,
      withdrawalCredentials: `0x${LIDO_DEVNET.entry.withdrawal_credentials}`,
      amountGwei: '32000000000',
      genesisForkVersion: '10000038',
    });
    assert.deepEqual(signedLido, depositDataFromCli(LIDO_DEVNET.entry));
    wipeKeys([smith, lido]);
  });

  describe('rejects every tamper with the right reason', () => {
    const tamper = (patch: Partial<DepositCliEntry>): DepositCliEntry => ({ ...STAKING_SMITH.entry, ...patch });

    it('one byte of the signature', async () => {
      const codes = await problemCodes(
        verifyDepositData(tamper({ signature: flipLastByte(STAKING_SMITH.entry.signature) }), mainnetOpts),
      );
      // The data root covers the signature, so it no longer matches either.
      assert.deepEqual(codes, ['deposit_data_root_mismatch', 'signature_invalid']);
    });

    it('one byte of the deposit data root', async () => {
      const codes = await problemCodes(
        verifyDepositData(
          tamper({ deposit_data_root: flipLastByte(STAKING_SMITH.entry.deposit_data_root) }),
          mainnetOpts,
        ),
      );
      assert.deepEqual(codes, ['deposit_data_root_mismatch']);
    });

    it('one byte of the deposit message root', async () => {
      const codes = await problemCodes(
        verifyDepositData(
          tamper({ deposit_message_root: flipLastByte(STAKING_SMITH.entry.deposit_message_root) }),
          mainnetOpts,
        ),
      );
      assert.deepEqual(codes, ['deposit_message_root_mismatch']);
    });

    it('one byte of the withdrawal credentials', async () => {
      const codes = await problemCodes(
        verifyDepositData(
          tamper({ withdrawal_credentials: flipLastByte(STAKING_SMITH.entry.withdrawal_credentials) }),
          mainnetOpts,
        ),
      );
      assert.deepEqual(codes, [
        'deposit_data_root_mismatch',
        'deposit_message_root_mismatch',
        'signature_invalid',
        'withdrawal_credentials_mismatch',
      ]);
    });

    it('the amount', async () => {
      const codes = await problemCodes(verifyDepositData(tamper({ amount: 31_000_000_000 }), mainnetOpts));
      assert.deepEqual(codes, [
        'amount_mismatch',
        'deposit_data_root_mismatch',
        'deposit_message_root_mismatch',
        'signature_invalid',
      ]);
    });

    it('consistent data for the wrong credentials or amount: only that is reported', async () => {
      const [key] = await deriveSigningKeys(STAKING_SMITH.mnemonic, [0]);
      const otherCredentials = await signDepositData({
        secretKey: key.secretKey,
        withdrawalCredentials: withdrawalCredentialsFor('0x0000000000000000000000000000000000000002'),
        amountGwei: GWEI_32,
        genesisForkVersion: MAINNET,
      });
      assert.deepEqual(await problemCodes(verifyDepositData(otherCredentials, mainnetOpts)), [
        'withdrawal_credentials_mismatch',
      ]);
      const otherAmount = await signDepositData({
        secretKey: key.secretKey,
        withdrawalCredentials: mainnetOpts.expectedWithdrawalCredentials,
        amountGwei: 1_000_000_000n,
        genesisForkVersion: MAINNET,
      });
      const err = await verifyDepositData(otherAmount, mainnetOpts).catch((e: unknown) => e);
      assert.ok(err instanceof DepositDataInvalidError);
      assert.deepEqual(err.codes, ['amount_mismatch']);
      assert.match(err.message, /amount is 1000000000 gwei, expected 32000000000 gwei/);
      assert.ok(err.message.includes(otherAmount.pubkey));
      wipeKeys([key]);
    });

    it('another network: bad signature (and the declared fork_version)', async () => {
      const holesky = { ...mainnetOpts, genesisForkVersion: await genesisForkVersionOf('holesky') };
      assert.deepEqual(await problemCodes(verifyDepositData(STAKING_SMITH.entry, holesky)), [
        'fork_version_mismatch',
        'signature_invalid',
      ]);
      assert.deepEqual(await problemCodes(verifyDepositData(depositDataFromCli(STAKING_SMITH.entry), holesky)), [
        'signature_invalid',
      ]);
    });

    it('another key: the signature does not verify for the pubkey', async () => {
      // Pubkey of the other vector, roots recomputed so that only the signature is wrong.
      const swapped = await signDepositData({
        secretKey: Buffer.from(STAKING_SMITH.secretKey, 'hex'),
        withdrawalCredentials: mainnetOpts.expectedWithdrawalCredentials,
        amountGwei: GWEI_32,
        genesisForkVersion: MAINNET,
      });
      const forged = tamper({ pubkey: LIDO_DEVNET.entry.pubkey, signature: swapped.signature });
      const codes = await problemCodes(verifyDepositData(forged, mainnetOpts));
      assert.deepEqual(codes, ['deposit_data_root_mismatch', 'deposit_message_root_mismatch', 'signature_invalid']);
    });

    it('malformed fields', async () => {
      assert.deepEqual(
        await problemCodes(
          verifyDepositData(tamper({ signature: STAKING_SMITH.entry.signature.slice(2) }), mainnetOpts),
        ),
        ['malformed'],
      );
      assert.deepEqual(
        await problemCodes(
          verifyDepositData(tamper({ pubkey: 'zz' + STAKING_SMITH.entry.pubkey.slice(2) }), mainnetOpts),
        ),
        ['malformed'],
      );
      assert.deepEqual(await problemCodes(verifyDepositData(tamper({ amount: 'lots' }), mainnetOpts)), ['malformed']);
    });
  });

  describe('on a real chain (anvil + the local DepositContract)', () => {
    const anvil = useService('anvil', () => startAnvil());

    it('deposit() with 32 ETH accepts data from signDepositData, and rejects a tampered root', async () => {
      const provider = new ethers.JsonRpcProvider(anvil().rpcUrl, undefined, { cacheTimeout: -1 });
      const wallet = ethers.HDNodeWallet.fromPhrase(ANVIL_DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0").connect(
        provider,
      );
      const contract = await deployContract('DepositContract', wallet);
      const bridge = ethers.Wallet.createRandom().address;
      const [key] = await deriveSigningKeys(LIDO_DEVNET.mnemonic, [5]);
      const data = await signDepositData({
        secretKey: key.secretKey,
        withdrawalCredentials: withdrawalCredentialsFor(bridge),
        amountGwei: GWEI_32,
        genesisForkVersion: MAINNET,
      });
      wipeKeys([key]);
      await verifyDepositData(data, {
        genesisForkVersion: MAINNET,
        expectedWithdrawalCredentials: withdrawalCredentialsFor(bridge),
        expectedAmountGwei: GWEI_32,
      });

      const deposit = contract.getFunction('deposit');
      const tx = (await deposit(data.pubkey, data.withdrawalCredentials, data.signature, data.depositDataRoot, {
        value: ethers.parseEther('32'),
        nonce: await freshNonce(wallet),
      })) as ethers.ContractTransactionResponse;
      const receipt = await tx.wait();
      assert.equal(receipt?.status, 1);
      const event = receipt?.logs.map((l) => contract.interface.parseLog(l)).find((e) => e?.name === 'DepositEvent');
      assert.equal(event?.args.pubkey, data.pubkey);
      assert.equal(event?.args.withdrawal_credentials, data.withdrawalCredentials);
      assert.equal(await provider.getBalance(await contract.getAddress()), ethers.parseEther('32'));

      await assert.rejects(
        deposit.staticCall(
          data.pubkey,
          data.withdrawalCredentials,
          data.signature,
          flipLastByte(data.depositDataRoot),
          { value: ethers.parseEther('32') },
        ),
        /does not match supplied deposit_data_root/,
      );
      provider.destroy();
    });
  });
});
