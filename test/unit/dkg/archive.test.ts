// The per-rollup ceremony archive: layout, reuse lookup, never overwritten, state marks.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CeremonyArchive } from '../../../activities/dkg/archive';
import { fixtureCeremony } from './fixtures';

const key = { rollupAdmin: '0xAbCdEf0123456789abcdef0123456789ABCDEF01', requestId: 'wf/run', firstNonce: 5, count: 3 };
const meta = { operatorIds: [1, 2, 3, 4], pubkeys: ['0x01'], network: 'holesky', binaryVersion: 'v3.1.0-653210c' };

describe('dkg ceremony archive', () => {
  it('stores under <admin lower>/<nonce padded>-<count>-<sha12 of requestId>/ with the ceremony and its manifest', () => {
    const archive = new CeremonyArchive(mkdtempSync(path.join(tmpdir(), 'dkg-arch-')));
    const stored = archive.store(key, fixtureCeremony('three-validators-nonce5'), meta);
    assert.match(
      path.relative(archive.root, stored.dir),
      /^0xabcdef0123456789abcdef0123456789abcdef01\/000005-3-[0-9a-f]{12}$/,
    );
    assert.deepEqual(readdirSync(stored.dir).sort(), [
      path.basename(fixtureCeremony('three-validators-nonce5')),
      'ceremony.json',
    ]);
    assert.equal(readdirSync(archive.rollupDir(key.rollupAdmin)).length, 1, 'no staging folder left');
    assert.equal(archive.find(key)?.manifest.state, 'verified');
    assert.equal(archive.find({ ...key, requestId: 'other' }), undefined);
    assert.equal(archive.find({ ...key, count: 2 }), undefined);
    assert.throws(() => archive.store(key, fixtureCeremony('three-validators-nonce5'), meta), /never overwritten/);
  });

  it('marks every ceremony of a request and keeps the history', () => {
    const archive = new CeremonyArchive(mkdtempSync(path.join(tmpdir(), 'dkg-arch-')));
    archive.store(key, fixtureCeremony('three-validators-nonce5'), meta);
    archive.store({ ...key, firstNonce: 8, count: 1 }, fixtureCeremony('one-validator-nonce0'), meta);
    archive.store({ ...key, requestId: 'another' }, fixtureCeremony('three-validators-nonce5'), meta);
    const marked = archive.markRequest(key.rollupAdmin, key.requestId, 'deposited');
    assert.deepEqual(
      marked.map((m) => [m.manifest.firstNonce, m.manifest.state]),
      [
        [5, 'deposited'],
        [8, 'deposited'],
      ],
    );
    assert.equal(archive.find({ ...key, requestId: 'another' })?.manifest.state, 'verified');
    assert.deepEqual(
      archive.find(key)?.manifest.history?.map((h) => h.state),
      ['verified', 'deposited'],
    );
  });
});
