// Key derivation (blst's native EIP-2333 behind activities/keys/derivation.ts) against published
// vectors: the four EIP-2333 test cases and the well-known `abandon ×11 about` key 0 pubkey
// (facts §5); the same keys as the pure-JavaScript @chainsafe/bls-keygen it replaced, on the
// project's mnemonics; the EIP-2334 signing path, wiping, and a rejected mnemonic whose words never
// reach the error.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { deriveKeyFromMaster, deriveKeyFromMnemonic } from '@chainsafe/bls-keygen';
import { Mnemonic } from 'ethers';
import {
  deriveChildKey,
  deriveMasterKey,
  deriveMasterKeyFromSeed,
  deriveSigningKey,
  deriveSigningKeys,
  mnemonicToSeed,
  signingKeyPath,
  wipe,
  wipeKeys,
} from '../../../activities/keys/derivation';
import { InvalidMnemonicError } from '../../../activities/keys/errors';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ABANDON_KEY0_PUBKEY =
  '0xb3e445d43871965d890a398f719348a1405ac72e35b92727cc570026f54471af7ea7b2040622a8fd0b5bfb2a209b5911';

const toBigInt = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);

// The EIP-2333 test cases 0-3, transcribed from https://eips.ethereum.org/EIPS/eip-2333#test-cases
// (seed hex, master_SK and child_SK decimal as printed there). Test case 0's seed is the BIP-39
// seed of `abandon ×11 about` with passphrase "TREZOR".
const EIP2333_VECTORS = [
  {
    seed: 'c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04',
    masterSK: 6083874454709270928345386274498605044986640685124978867557563392430687146096n,
    childIndex: 0,
    childSK: 20397789859736650942317412262472558107875392172444076792671091975210932703118n,
  },
  {
    seed: '3141592653589793238462643383279502884197169399375105820974944592',
    masterSK: 29757020647961307431480504535336562678282505419141012933316116377660817309383n,
    childIndex: 3141592653,
    childSK: 25457201688850691947727629385191704516744796114925897962676248250929345014287n,
  },
  {
    seed: '0099FF991111002299DD7744EE3355BBDD8844115566CC55663355668888CC00',
    masterSK: 27580842291869792442942448775674722299803720648445448686099262467207037398656n,
    childIndex: 4294967295,
    childSK: 29358610794459428860402234341874281240803786294062035874021252734817515685787n,
  },
  {
    seed: 'd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3',
    masterSK: 19022158461524446591288038168518313374041767046816487870552872741050760015818n,
    childIndex: 42,
    childSK: 31372231650479070279774297061823572166496564838472787488249775572789064611981n,
  },
];

// The mnemonics the project's tests and local network use (test/unit/keys, localnet/demo.ts,
// localnet/services/anvil.ts, the 24-word one of the client tests).
const PROJECT_MNEMONICS = [
  ABANDON,
  'test test test test test test test test test test test junk',
  'entire habit bottom mention spoil clown finger wheat motion fox axis mechanic country make garment bar blind stadium sugar water scissors canyon often ketchup',
];

describe('keys: derivation (EIP-2333 / EIP-2334)', () => {
  for (const [i, v] of EIP2333_VECTORS.entries()) {
    it(`EIP-2333 test case ${i}: seed -> master SK -> child ${v.childIndex} SK`, () => {
      const master = deriveMasterKeyFromSeed(Buffer.from(v.seed, 'hex'));
      assert.equal(toBigInt(master), v.masterSK, `test case ${i}: master SK`);
      assert.equal(toBigInt(deriveChildKey(master, v.childIndex)), v.childSK, `test case ${i}: child SK`);
    });
  }

  it('EIP-2333 test case 0: its BIP-39 seed from `abandon x11 about` + "TREZOR"', () => {
    assert.equal(Buffer.from(mnemonicToSeed(ABANDON, 'TREZOR')).toString('hex'), EIP2333_VECTORS[0].seed);
  });

  it('gives exactly the keys of @chainsafe/bls-keygen (the derivation it replaced) on the project mnemonics and random ones', async function () {
    this.timeout(120_000);
    const mnemonics = [...PROJECT_MNEMONICS, ...[16, 32].map((n) => Mnemonic.fromEntropy(randomBytes(n)).phrase)];
    const indices = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 99, 1000, 2 ** 31, 2 ** 32 - 1];
    for (const m of mnemonics) {
      const oldMaster = deriveKeyFromMnemonic(m);
      assert.deepEqual(deriveMasterKey(m), oldMaster, 'master key');
      const keys = await deriveSigningKeys(m, indices);
      for (const k of keys) {
        assert.deepEqual(k.secretKey, deriveKeyFromMaster(oldMaster, `m/12381/3600/${k.index}/0/0`), `key ${k.index}`);
      }
      wipeKeys(keys);
    }
  });

  it('abandon x11 about, key 0: the published pubkey', async () => {
    const [key] = await deriveSigningKeys(ABANDON, [0]);
    assert.equal(key.pubkeyHex, ABANDON_KEY0_PUBKEY);
    assert.equal(key.path, 'm/12381/3600/0/0/0');
    assert.equal(key.secretKey.length, 32);
    assert.equal(key.pubkey.length, 48);
    wipeKeys([key]);
  });

  it('uses the EIP-2334 signing path m/12381/3600/{index}/0/0, and one call gives the same keys as one call per key and as deriveSigningKey', async () => {
    assert.equal(signingKeyPath(0), 'm/12381/3600/0/0/0');
    assert.equal(signingKeyPath(7), 'm/12381/3600/7/0/0');
    assert.throws(() => signingKeyPath(-1), RangeError);
    assert.throws(() => signingKeyPath(1.5), RangeError);
    assert.throws(() => signingKeyPath(2 ** 32), RangeError);

    const keys = await deriveSigningKeys(ABANDON, [7, 3]);
    assert.deepEqual(
      keys.map((k) => k.index),
      [7, 3],
    );
    const [k7] = await deriveSigningKeys(ABANDON, [7]);
    const [k3] = await deriveSigningKeys(ABANDON, [3]);
    assert.deepEqual([keys[0].secretKey, keys[1].secretKey], [k7.secretKey, k3.secretKey]);
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
    assert.deepEqual(
      keys.map((k) => k.pubkeyHex),
      pubkeys,
    );
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
    // Valid words, wrong checksum; a word list with a non-BIP-39 word; the valid words in upper case.
    const bad = [
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon',
      'zebra giraffe walrus abandon abandon abandon abandon abandon abandon abandon abandon about',
      // upper case: its seed differs from the lower-case one, and BIP-39 validation never accepted it
      ABANDON.toUpperCase(),
    ];
    for (const mnemonic of bad) {
      const err = await deriveSigningKeys(mnemonic, [0]).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof InvalidMnemonicError, `expected InvalidMnemonicError, got ${String(err)}`);
      assert.equal(err.name, 'InvalidMnemonicError');
      const text = [err.message, err.stack ?? '', inspect(err), JSON.stringify(err)].join('\n').toLowerCase();
      for (const word of new Set(mnemonic.split(' '))) assert.ok(!text.includes(word), `error text contains "${word}"`);
      assert.equal(err.cause, undefined);
    }
  });
});
