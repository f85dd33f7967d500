// Search attribute values must fit the server's default 2 KB limit for the largest batch, or the
// server terminates the workflow that upserts them (found by bench/creation.ts at batch 50).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pubkeySearchKey } from '../../temporal-config/search-attributes';
import { MAX_DKG_BATCH } from '../../workflows/planning';

describe('search attributes', () => {
  it('the pubkeys of a 100-validator batch fit one search attribute value', () => {
    const pubkeys = Array.from({ length: MAX_DKG_BATCH }, () => `0x${randomBytes(48).toString('hex')}`);
    const value = JSON.stringify(pubkeys.map(pubkeySearchKey));
    assert.ok(Buffer.byteLength(value) < 2048, `${Buffer.byteLength(value)} bytes`);
    assert.equal(pubkeySearchKey(`0xABCDEF0123456789${'0'.repeat(80)}`), '0xabcdef01234567');
  });
});
