// The operators' RSA-PSS signatures on ssv-dkg's proofs, checked on the real v3.1.0 fixtures with
// the operators' keys (operators/operators_info.json): every proof verifies, any change fails.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyProofsFile } from '../../../activities/dkg/proofs';
import { DkgOutputInvalidError } from '../../../activities/keys/dkg-output';
import { FIXTURE_OWNER, fixture, fixtureCeremony, fixtureOperators } from './fixtures';

const operators = fixtureOperators().map((o) => ({ id: o.id, publicKeyBase64: o.public_key }));
type ProofEntry = { proof: Record<string, string>; signature: string };

function validatorDirs(ceremony: string): { pubkey: string; proofsPath: string }[] {
  const dirs = JSON.parse(readFileSync(path.join(ceremony, 'deposit_data.json'), 'utf8')) as { pubkey: string }[];
  return dirs
    .map((d) => d.pubkey)
    .map((pubkey) => {
      const name = readdir(ceremony).find((n) => n.endsWith(pubkey))!;
      return { pubkey: `0x${pubkey}`, proofsPath: path.join(ceremony, name, 'proofs.json') };
    });
}
const readdir = (dir: string) => readdirSync(dir);

function writeTemp(entries: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'dkg-proofs-')), 'proofs.json');
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

/** Flips one hex digit of `value` (at `at`). */
const flip = (value: string, at = 10) => value.slice(0, at) + (value[at] === '0' ? '1' : '0') + value.slice(at + 1);

describe("dkg proofs (RSA-PSS over the SSZ root of Proof, operators' on-chain keys)", () => {
  it('every proof of the 1- and 3-validator ceremonies verifies', async () => {
    const one = fixtureCeremony('one-validator-nonce0');
    const [dir] = readdir(one);
    await verifyProofsFile(path.join(one, dir, 'proofs.json'), `0x${dir.split('-0x')[1]}`, FIXTURE_OWNER, operators);
    for (const v of validatorDirs(fixtureCeremony('three-validators-nonce5')))
      await verifyProofsFile(v.proofsPath, v.pubkey, FIXTURE_OWNER, operators);
  });

  it('all 400 proofs of the 100-validator ceremony verify', async () => {
    const lists = JSON.parse(
      readFileSync(fixture('ceremonies', 'hundred-validators-nonce100-aggregated', 'proofs.json'), 'utf8'),
    ) as ProofEntry[][];
    assert.equal(lists.length, 100);
    for (const list of lists)
      await verifyProofsFile(writeTemp(list), `0x${list[0].proof.validator}`, FIXTURE_OWNER, operators);
  });

  describe('a one-byte change fails', () => {
    const [v] = validatorDirs(fixtureCeremony('three-validators-nonce5'));
    const original = JSON.parse(readFileSync(v.proofsPath, 'utf8')) as ProofEntry[];
    const cases: [string, (e: ProofEntry[]) => void, RegExp][] = [
      [
        'signature',
        (e) => {
          e[1].signature = flip(e[1].signature);
        },
        /operator 2\)?: the signature is not operator 2's/,
      ],
      [
        'encrypted_share',
        (e) => {
          e[2].proof.encrypted_share = flip(e[2].proof.encrypted_share);
        },
        /operator 3\)?: the signature is not operator 3's/,
      ],
      [
        'share_pub',
        (e) => {
          e[0].proof.share_pub = flip(e[0].proof.share_pub);
        },
        /operator 1\)?: the signature is not operator 1's/,
      ],
      [
        'proofs in another order (keys checked per operator id)',
        (e) => {
          [e[0], e[1]] = [e[1], e[0]];
        },
        /operator 1\)?: the signature is not operator 1's/,
      ],
    ];
    for (const [what, tamper, expected] of cases) {
      it(what, async () => {
        const entries = structuredClone(original);
        tamper(entries);
        await assert.rejects(
          verifyProofsFile(writeTemp(entries), v.pubkey, FIXTURE_OWNER, operators),
          (err: unknown) => {
            assert.ok(err instanceof DkgOutputInvalidError, String(err));
            assert.match(err.message, expected);
            return true;
          },
        );
      });
    }

    it('another owner or validator is named, not verified', async () => {
      await assert.rejects(
        verifyProofsFile(v.proofsPath, v.pubkey, '0x1111111111111111111111111111111111111111', operators),
        /names owner/,
      );
      await assert.rejects(
        verifyProofsFile(v.proofsPath, `0x${'ab'.repeat(48)}`, FIXTURE_OWNER, operators),
        /names validator/,
      );
    });

    it("another operator's key fails", async () => {
      const wrong = [operators[1], operators[0], operators[2], operators[3]].map((o, i) => ({ ...o, id: i + 1 }));
      await assert.rejects(verifyProofsFile(v.proofsPath, v.pubkey, FIXTURE_OWNER, wrong), /not operator 1's/);
    });
  });
});
