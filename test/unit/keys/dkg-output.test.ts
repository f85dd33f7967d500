// readCeremonyOutput against a ceremony folder laid out exactly as ssv-dkg v3.1.0 writes it
// (facts/ssv-and-dkg.md §3.3): ceremony-<time>/<nonce padded to 6>-0x<pubkey>/{deposit_data.json,
// keyshares.json, proofs.json} plus the aggregated files for more than one validator.
//
// The folder is produced here from material the test generates, so that each rule can be broken
// on purpose: BLS keys, deposit data from signDepositData (holesky fork version, the hex-without-0x
// CLI form), keyshares from buildKeyshares (wrapped in a "v1.2.0" keyshares.json as ssv-dkg writes
// it), and proofs carrying each operator's share pubkey and ciphertext (their RSA-PSS signatures are
// random bytes: the reader does not check them; activities/dkg/proofs.ts does). The real binary's
// own ceremonies go through the same reader in test/unit/dkg/fixture-tampering.test.ts and
// test/integration/ssv-dkg-stand-in.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getAddress } from 'ethers';
import { genesisForkVersionOf, signDepositData, withdrawalCredentialsFor } from '../../../activities/keys/deposit-data';
import {
  DkgOutputInvalidError,
  listCeremonyDirs,
  readCeremonyOutput,
  type CeremonyExpectation,
} from '../../../activities/keys/dkg-output';
import { buildKeyshares } from '../../../activities/keys/keyshares';
import { verifyKeysharesPayload } from '../../../activities/keys/keyshares-verify';
import {
  generateOperators,
  randomBlsSecretKey,
  splitSharesData,
  type TestOperator,
} from '../../fixtures/keyshares/material';

const OWNER = getAddress('0x7c2b1e5e11e6d2a1a4d1f4b0b7d6e0c0f2a3b4c5');
const BRIDGE = getAddress('0x1111111111111111111111111111111111111111');
const AMOUNT = 32_000_000_000n;
const FIRST_NONCE = 40;
const COUNT = 3;
const CEREMONY = 'ceremony-2026-11-21--09-30-00.123';
const strip = (h: string) => h.replace(/^0x/, '');

async function writeCeremony(root: string, operators: TestOperator[], forkVersion: Uint8Array): Promise<string> {
  const dir = path.join(root, CEREMONY);
  mkdirSync(dir, { recursive: true });
  const aggDeposits: unknown[] = [];
  const aggShares: unknown[] = [];
  const aggProofs: unknown[] = [];
  for (let i = 0; i < COUNT; i++) {
    const nonce = FIRST_NONCE + i;
    const sk = randomBlsSecretKey();
    const deposit = await signDepositData({
      secretKey: sk,
      withdrawalCredentials: withdrawalCredentialsFor(BRIDGE),
      amountGwei: AMOUNT,
      genesisForkVersion: forkVersion,
    });
    const depositEntry = {
      pubkey: strip(deposit.pubkey),
      withdrawal_credentials: strip(deposit.withdrawalCredentials),
      amount: Number(deposit.amountGwei),
      signature: strip(deposit.signature),
      deposit_message_root: strip(deposit.depositMessageRoot),
      deposit_data_root: strip(deposit.depositDataRoot),
      fork_version: Buffer.from(forkVersion).toString('hex'),
      network_name: 'holesky',
      deposit_cli_version: '2.7.0',
    };
    const payload = await buildKeyshares({ secretKey: sk, operators, owner: OWNER, ownerNonce: nonce });
    const item = {
      data: {
        ownerNonce: nonce,
        ownerAddress: OWNER,
        publicKey: payload.publicKey,
        operators: operators.map((o) => ({ id: o.id, operatorKey: o.publicKeyBase64 })),
      },
      payload,
    };
    const parts = splitSharesData(payload.sharesData, operators.length);
    const proofs = operators.map((_, j) => ({
      proof: {
        validator: strip(payload.publicKey),
        encrypted_share: parts.encryptedShares[j].toString('hex'),
        share_pub: parts.sharePubkeys[j].toString('hex'),
        owner: strip(OWNER).toLowerCase(),
      },
      signature: randomBytes(256).toString('hex'),
    }));
    const vdir = path.join(dir, `${String(nonce).padStart(6, '0')}-${payload.publicKey}`);
    mkdirSync(vdir);
    writeFileSync(path.join(vdir, 'deposit_data.json'), JSON.stringify([depositEntry]));
    writeFileSync(
      path.join(vdir, 'keyshares.json'),
      JSON.stringify({ version: 'v1.2.0', createdAt: new Date().toISOString(), shares: [item] }),
    );
    writeFileSync(path.join(vdir, 'proofs.json'), JSON.stringify(proofs));
    aggDeposits.push(depositEntry);
    aggShares.push(item);
    aggProofs.push(proofs);
  }
  writeFileSync(path.join(dir, 'deposit_data.json'), JSON.stringify(aggDeposits));
  writeFileSync(
    path.join(dir, 'keyshares.json'),
    JSON.stringify({ version: 'v1.2.0', createdAt: new Date().toISOString(), shares: aggShares }),
  );
  writeFileSync(path.join(dir, 'proofs.json'), JSON.stringify(aggProofs));
  return dir;
}

describe('ssv-dkg ceremony output (readCeremonyOutput)', function () {
  this.timeout(60_000);
  let tmp: string;
  let pristine: string;
  let operators: TestOperator[];
  let expected: CeremonyExpectation;
  let n = 0;

  /** A fresh copy of the good ceremony to tamper with. */
  const copy = () => {
    const dst = path.join(tmp, `copy-${n++}`, CEREMONY);
    cpSync(pristine, dst, { recursive: true });
    return dst;
  };

  async function expectInvalid(dir: string, exp: CeremonyExpectation, file: RegExp, reason: RegExp) {
    await assert.rejects(readCeremonyOutput(dir, exp), (e: unknown) => {
      assert.ok(e instanceof DkgOutputInvalidError, `expected DkgOutputInvalidError, got ${String(e)}`);
      assert.match(e.file, file);
      assert.match(e.message, reason);
      assert.ok(
        e.message.startsWith(`${CEREMONY}`),
        `message names the file relative to the output folder: ${e.message}`,
      );
      return true;
    });
  }

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'nexus-dkg-output-'));
    operators = generateOperators([2, 5, 9, 14]);
    const holesky = await genesisForkVersionOf('holesky');
    assert.equal(Buffer.from(holesky).toString('hex'), '01017000');
    pristine = await writeCeremony(path.join(tmp, 'pristine'), operators, holesky);
    expected = {
      owner: OWNER,
      firstNonce: FIRST_NONCE,
      count: COUNT,
      withdrawalAddress: BRIDGE,
      operatorIds: operators.map((o) => o.id),
      genesisForkVersion: holesky,
      amountGwei: AMOUNT,
      operatorKeys: Object.fromEntries(operators.map((o) => [o.id, o.publicKeyBase64])),
    };
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('accepts a well-formed ceremony and returns each validator with its proofs path', async () => {
    assert.deepEqual(listCeremonyDirs(path.join(tmp, 'pristine')), [pristine]);
    const out = await readCeremonyOutput(pristine, { ...expected, owner: OWNER.toLowerCase() });
    assert.equal(out.validators.length, COUNT);
    assert.equal(out.aggregatedProofsPath, path.join(pristine, 'proofs.json'));
    out.validators.forEach((v, i) => {
      assert.equal(v.nonce, FIRST_NONCE + i);
      assert.equal(path.basename(v.dir), `0000${FIRST_NONCE + i}-${v.pubkey}`);
      assert.equal(v.proofsPath, path.join(v.dir, 'proofs.json'));
      assert.equal(v.depositData.pubkey, v.pubkey);
      assert.equal(v.depositData.withdrawalCredentials, withdrawalCredentialsFor(BRIDGE));
      assert.equal(v.keyshares.publicKey, v.pubkey);
      assert.deepEqual(v.keyshares.operatorIds, expected.operatorIds);
      verifyKeysharesPayload(v.keyshares, {
        validatorPubkey: v.pubkey,
        owner: OWNER,
        ownerNonce: v.nonce,
        operatorIds: expected.operatorIds,
      });
    });
  });

  it('rejects a wrong owner, naming keyshares.json', async () => {
    await expectInvalid(
      pristine,
      { ...expected, owner: '0x000000000000000000000000000000000000dEaD' },
      /000040-0x[0-9a-f]{96}\/keyshares\.json$/,
      /ownerAddress/,
    );
  });

  it('rejects a nonce gap, naming the directory after the gap', async () => {
    const dir = copy();
    const third = listValidatorDirs(dir)[2];
    renameSync(third, path.join(dir, path.basename(third).replace(/^000042/, '000043')));
    await expectInvalid(dir, expected, /000043-0x[0-9a-f]{96}$/, /nonce gap: 43 follows 41/);
  });

  it('rejects a ceremony that does not start at the expected nonce', async () => {
    await expectInvalid(
      pristine,
      { ...expected, firstNonce: FIRST_NONCE - 1 },
      /000040-0x[0-9a-f]{96}$/,
      /first nonce is 40, expected 39/,
    );
  });

  it('rejects keyshares signed for another nonce than the directory says', async () => {
    const dir = copy();
    const second = listValidatorDirs(dir)[1];
    const file = path.join(second, 'keyshares.json');
    const ks = JSON.parse(readFileSync(file, 'utf8')) as { shares: Array<{ data: { ownerNonce: number } }> };
    // a file whose data says 41 but whose signature is over 42 (taken from the third validator)
    const third = JSON.parse(readFileSync(path.join(listValidatorDirs(dir)[2], 'keyshares.json'), 'utf8')) as {
      shares: Array<{ payload: { sharesData: string } }>;
    };
    (ks.shares[0] as unknown as { payload: { sharesData: string } }).payload.sharesData =
      third.shares[0].payload.sharesData;
    writeFileSync(file, JSON.stringify(ks));
    await expectInvalid(
      dir,
      expected,
      /000041-0x[0-9a-f]{96}\/keyshares\.json$/,
      /payload: invalid keyshares \(signature\)/,
    );
  });

  it('rejects a wrong withdrawal address, naming deposit_data.json', async () => {
    await expectInvalid(
      pristine,
      { ...expected, withdrawalAddress: '0x2222222222222222222222222222222222222222' },
      /000040-0x[0-9a-f]{96}\/deposit_data\.json$/,
      /withdrawal credentials/,
    );
  });

  it('rejects wrong operator ids, naming keyshares.json', async () => {
    await expectInvalid(
      pristine,
      { ...expected, operatorIds: [2, 5, 9, 15] },
      /000040-0x[0-9a-f]{96}\/keyshares\.json$/,
      /differ from the expected cluster/,
    );
  });

  it('rejects a missing proofs.json, naming it', async () => {
    const dir = copy();
    const second = listValidatorDirs(dir)[1];
    rmSync(path.join(second, 'proofs.json'));
    await expectInvalid(dir, expected, /000041-0x[0-9a-f]{96}\/proofs\.json$/, /proofs\.json is missing/);
  });

  it('rejects proofs that do not match the keyshares', async () => {
    const dir = copy();
    const first = listValidatorDirs(dir)[0];
    const file = path.join(first, 'proofs.json');
    const proofs = JSON.parse(readFileSync(file, 'utf8')) as Array<{ proof: { share_pub: string } }>;
    [proofs[0].proof.share_pub, proofs[1].proof.share_pub] = [proofs[1].proof.share_pub, proofs[0].proof.share_pub];
    writeFileSync(file, JSON.stringify(proofs));
    await expectInvalid(dir, expected, /000040-0x[0-9a-f]{96}\/proofs\.json$/, /share_pub of operator 2/);
  });

  it('rejects a wrong fork version, count, keyshares version, operator key, aggregate and a FAILED marker', async () => {
    await expectInvalid(
      pristine,
      { ...expected, genesisForkVersion: '0x00000000' },
      /deposit_data\.json$/,
      /fork_version/,
    );
    await expectInvalid(
      pristine,
      { ...expected, count: 4 },
      new RegExp(`${CEREMONY}$`),
      /3 validator directories, expected 4/,
    );
    const otherKey = generateOperators([9])[0].publicKeyBase64;
    await expectInvalid(
      pristine,
      { ...expected, operatorKeys: { ...expected.operatorKeys, 9: otherKey } },
      /keyshares\.json$/,
      /operator 9 is not its on-chain key/,
    );

    const v1 = copy();
    const ksFile = path.join(listValidatorDirs(v1)[0], 'keyshares.json');
    writeFileSync(ksFile, readFileSync(ksFile, 'utf8').replace('"v1.2.0"', '"v1.1.0"'));
    await expectInvalid(v1, expected, /keyshares\.json$/, /version "v1.1.0"/);

    const agg = copy();
    const aggFile = path.join(agg, 'deposit_data.json');
    const deposits = JSON.parse(readFileSync(aggFile, 'utf8')) as unknown[];
    writeFileSync(aggFile, JSON.stringify([deposits[1], deposits[0], deposits[2]]));
    await expectInvalid(agg, expected, new RegExp(`${CEREMONY}/deposit_data\\.json$`), /entry 0 differs/);

    const failed = copy();
    writeFileSync(path.join(failed, 'FAILED'), '');
    await expectInvalid(failed, expected, /FAILED$/, /FAILED/);
  });

  it('a single-validator ceremony needs no aggregated files', async () => {
    const dir = copy();
    for (const v of listValidatorDirs(dir).slice(1)) rmSync(v, { recursive: true });
    for (const f of ['deposit_data.json', 'keyshares.json', 'proofs.json']) rmSync(path.join(dir, f));
    const out = await readCeremonyOutput(dir, { ...expected, count: 1 });
    assert.equal(out.validators.length, 1);
    assert.equal(out.aggregatedProofsPath, undefined);
    assert.equal(out.validators[0].nonce, FIRST_NONCE);
    assert.equal(out.validators[0].depositData.pubkey, out.validators[0].pubkey);
  });
});

function listValidatorDirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^\d{6}-0x/.test(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}
