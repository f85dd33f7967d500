// Key derivation against published vectors: EIP-2333 test case 0 (through bls-keygen, the library
// our derivation wraps) and the well-known `abandon ×11 about` key 0 pubkey (facts §5), the
// EIP-2334 signing path, wiping, and a rejected mnemonic whose words never reach the error.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { deriveKeyFromEntropy, deriveKeyFromMnemonic } from '@chainsafe/bls-keygen';
// bls-keygen's own EIP-2333 engine (its dependency): bls-keygen only takes full EIP-2334 paths,
// while test case 0 derives a single child.
import { deriveChildSK } from '@chainsafe/bls-hd-key';
import {
  deriveMasterKey, deriveSigningKey, deriveSigningKeys, signingKeyPath, wipe, wipeKeys,
} from '../../../activities/keys/derivation';
import { InvalidMnemonicError } from '../../../activities/keys/errors';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ABANDON_KEY0_PUBKEY = '0xb3e445d43871965d890a398f719348a1405ac72e35b92727cc570026f54471af7ea7b2040622a8fd0b5bfb2a209b5911';

const toBigInt = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);

describe('keys: derivation (EIP-2333 / EIP-2334)', () => {
  it('EIP-2333 test case 0: seed -> master SK and child 0 SK', () => {
    const seed = Buffer.from(
      'c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04',
      'hex',
    );
    const master = deriveKeyFromEntropy(seed);
    assert.equal(toBigInt(master), 6083874454709270928345386274498605044986640685124978867557563392430687146096n);
    const child = deriveChildSK(master, 0);
    assert.equal(toBigInt(child), 20397789859736650942317412262472558107875392172444076792671091975210932703118n);
  });

  it('abandon x11 about, key 0: the published pubkey', async () => {
    const [key] = await deriveSigningKeys(ABANDON, [0]);
    assert.equal(key.pubkeyHex, ABANDON_KEY0_PUBKEY);
    assert.equal(key.path, 'm/12381/3600/0/0/0');
    assert.equal(key.secretKey.length, 32);
    assert.equal(key.pubkey.length, 48);
    wipeKeys([key]);
  });

  it('uses the EIP-2334 signing path m/12381/3600/{index}/0/0, and one master gives the same keys as per-key derivation', async () => {
    assert.equal(signingKeyPath(0), 'm/12381/3600/0/0/0');
    assert.equal(signingKeyPath(7), 'm/12381/3600/7/0/0');
    assert.throws(() => signingKeyPath(-1), RangeError);
    assert.throws(() => signingKeyPath(1.5), RangeError);
    assert.throws(() => signingKeyPath(2 ** 32), RangeError);

    const keys = await deriveSigningKeys(ABANDON, [7, 3]);
    assert.deepEqual(keys.map((k) => k.index), [7, 3]);
    for (const k of keys) {
      assert.deepEqual(k.secretKey, deriveKeyFromMnemonic(ABANDON, `m/12381/3600/${k.index}/0/0`));
    }
    const master = deriveMasterKey(ABANDON);
    assert.deepEqual(deriveSigningKey(master, 7), keys[0].secretKey);
    wipe(master);
    wipeKeys(keys);
  });

  it('wipes: wipe() and wipeKeys() zero the secret bytes, the pubkeys stay', async () => {
    const keys = await deriveSigningKeys(ABANDON, [0, 1]);
    const pubkeys = keys.map((k) => k.pubkeyHex);
    wipeKeys(keys);
    for (const k of keys) assert.ok(k.secretKey.every((b) => b === 0));
    assert.deepEqual(keys.map((k) => k.pubkeyHex), pubkeys);
    const master = deriveMasterKey(ABANDON);
    assert.ok(master.some((b) => b !== 0));
    wipe(master);
    assert.ok(master.every((b) => b === 0));
  });

  it('tolerates extra whitespace around and between the words (same seed)', async () => {
    const [key] = await deriveSigningKeys(`  ${ABANDON.split(' ').join('  ')}\n`, [0]);
    assert.equal(key.pubkeyHex, ABANDON_KEY0_PUBKEY);
  });

  it('rejects an invalid mnemonic with InvalidMnemonicError whose text holds none of the words', async () => {
    // Valid words, wrong checksum; and a word list with a non-BIP-39 word.
    const bad = [
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon',
      'zebra giraffe walrus abandon abandon abandon abandon abandon abandon abandon abandon about',
    ];
    for (const mnemonic of bad) {
      const err = await deriveSigningKeys(mnemonic, [0]).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof InvalidMnemonicError, `expected InvalidMnemonicError, got ${String(err)}`);
      assert.equal(err.name, 'InvalidMnemonicError');
      const text = [err.message, err.stack ?? '', inspect(err), JSON.stringify(err)].join('\n').toLowerCase();
      for (const word of new Set(mnemonic.split(' '))) assert.ok(!text.includes(word), `error text contains "${word}"`);
      assert.equal(err.cause, undefined);
    }
  });
});
