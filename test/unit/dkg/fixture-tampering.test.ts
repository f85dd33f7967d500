// The real ssv-dkg v3.1.0 ceremonies (../shared/fixtures) pass the bot's whole check (the output
// verifier and the operators' proof signatures, with the operators' keys as the chain holds them),
// and every single-field tampering of them is rejected, field by field: each JSON leaf of every
// file of the one-validator ceremony, and of the aggregated files of the three-validator one. The
// few leaves nothing checks (informational: the keyshares file's creation time, the deposit CLI
// version it claims, the network's name beside its checked fork version) are listed, with why.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyCeremonyProofs } from '../../../activities/dkg/proofs';
import { genesisForkVersionOf } from '../../../activities/keys/deposit-data';
import { readCeremonyOutput } from '../../../activities/keys/dkg-output';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'ssv-dkg-v3.1.0');
const OWNER = '0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9';
const BRIDGE = '0x663F3ad617193148711d28f5334eE4Ed07016602';
const operators = (
  JSON.parse(readFileSync(path.join(FIXTURES, 'operators', 'operators_info.json'), 'utf8')) as {
    id: number;
    public_key: string;
  }[]
).map((o) => ({ id: o.id, publicKeyBase64: o.public_key }));

/** Leaves nothing checks, and why that is safe. */
const UNCHECKED = new Map<string, string>([
  ['keyshares.json:createdAt', 'when the file was written; not part of any payload or signature'],
  ['deposit_data.json:[0].deposit_cli_version', 'the CLI version the file claims; the deposit itself is verified'],
  [
    'deposit_data.json:[0].network_name',
    'a name; the fork version the signature is checked with is fork_version, from the configuration',
  ],
]);

type Leaf = { path: (string | number)[]; value: unknown };

function leaves(value: unknown, at: (string | number)[] = []): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...at, i]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]));
  return [{ path: at, value }];
}

function tampered(value: unknown): unknown {
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'string') {
    const last = value.at(-1) ?? '';
    if (/[0-9a-f]/.test(last)) return value.slice(0, -1) + (last === '0' ? '1' : '0');
    if (/[0-9A-F]/.test(last)) return value.slice(0, -1) + (last === '0' ? '1' : '0');
    return `${value.slice(0, -1)}${last === 'x' ? 'y' : 'x'}`;
  }
  return 'tampered';
}

function setAt(root: unknown, at: (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at[at.length - 1]] = value;
}

const label = (file: string, at: (string | number)[]) =>
  `${path.basename(file)}:${at
    .map((k) => (typeof k === 'number' ? `[${k}]` : k))
    .join('.')
    .replace(/\.\[/g, '[')}`;

async function check(ceremonyDir: string, firstNonce: number, count: number): Promise<void> {
  const output = await readCeremonyOutput(ceremonyDir, {
    owner: OWNER,
    firstNonce,
    count,
    withdrawalAddress: BRIDGE,
    operatorIds: [1, 2, 3, 4],
    genesisForkVersion: await genesisForkVersionOf('holesky'),
    amountGwei: 32_000_000_000n,
    operatorKeys: Object.fromEntries(operators.map((o) => [o.id, o.publicKeyBase64])),
  });
  await verifyCeremonyProofs(output.validators, OWNER, operators);
}

function ceremonyIn(name: string): string {
  const parent = path.join(FIXTURES, 'ceremonies', name);
  return path.join(parent, readdirSync(parent).find((e) => e.startsWith('ceremony-')) as string);
}

/** Every leaf of `files` (paths relative to the ceremony folder) tampered one at a time; the labels that were accepted. */
async function survivors(source: string, files: string[], firstNonce: number, count: number): Promise<string[]> {
  const work = mkdtempSync(path.join(tmpdir(), 'nexus-dkg-tamper-'));
  const accepted: string[] = [];
  try {
    for (const rel of files) {
      const original = JSON.parse(readFileSync(path.join(source, rel), 'utf8')) as unknown;
      for (const leaf of leaves(original)) {
        const dir = path.join(work, path.basename(source));
        rmSync(dir, { recursive: true, force: true });
        cpSync(source, dir, { recursive: true });
        const copy = structuredClone(original);
        setAt(copy, leaf.path, tampered(leaf.value));
        writeFileSync(path.join(dir, rel), JSON.stringify(copy));
        const ok = await check(dir, firstNonce, count).then(
          () => true,
          () => false,
        );
        if (ok) accepted.push(label(rel, leaf.path));
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return accepted;
}

describe("the real ssv-dkg v3.1.0 fixtures through the bot's ceremony check", function () {
  this.timeout(300_000);

  it('accepts the real ceremonies of 1 and 3 validators (output verifier and proof signatures; the 100-validator one has no per-validator folders: its proofs are checked in wire.test.ts)', async () => {
    await check(ceremonyIn('one-validator-nonce0'), 0, 1);
    await check(ceremonyIn('three-validators-nonce5'), 5, 3);
  });

  it('rejects every single-field tampering of the one-validator ceremony, but for the informational fields listed', async () => {
    const dir = ceremonyIn('one-validator-nonce0');
    const validatorDir = readdirSync(dir).find((e) => e.startsWith('000000-')) as string;
    const accepted = await survivors(
      dir,
      ['deposit_data.json', 'keyshares.json', 'proofs.json'].map((f) => path.join(validatorDir, f)),
      0,
      1,
    );
    assert.deepEqual(accepted.sort(), [...UNCHECKED.keys()].sort());
  });

  it("rejects every single-field tampering of the three-validator ceremony's aggregated files (their second entry)", async () => {
    const dir = ceremonyIn('three-validators-nonce5');
    const work = mkdtempSync(path.join(tmpdir(), 'nexus-dkg-agg-'));
    try {
      // Only the second entry of each aggregated file, to keep the run short: tamper copies of it.
      const accepted: string[] = [];
      for (const file of ['deposit_data.json', 'keyshares.json', 'proofs.json']) {
        const original = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown;
        const entries =
          file === 'keyshares.json' ? (original as { shares: unknown[] }).shares : (original as unknown[]);
        for (const leaf of leaves(entries[1])) {
          const copyDir = path.join(work, path.basename(dir));
          rmSync(copyDir, { recursive: true, force: true });
          cpSync(dir, copyDir, { recursive: true });
          const copy = structuredClone(original) as never;
          setAt(
            file === 'keyshares.json' ? (copy as { shares: unknown[] }).shares[1] : (copy as unknown[])[1],
            leaf.path,
            tampered(leaf.value),
          );
          writeFileSync(path.join(copyDir, file), JSON.stringify(copy));
          if (
            await check(copyDir, 5, 3).then(
              () => true,
              () => false,
            )
          )
            accepted.push(`${file}[1]:${leaf.path.join('.')}`);
        }
      }
      assert.deepEqual(accepted, []);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
