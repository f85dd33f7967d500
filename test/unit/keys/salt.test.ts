// The salt holder never shows the salt: not in JSON, inspect, string conversion or structured
// clones; it hands it out only inside use(), and wipe() ends that.
import assert from 'node:assert/strict';
import { format, inspect } from 'node:util';
import { SaltHolder } from '../../../activities/keys/salt';

const SALT = 'pepper-and-salt-7f3a9c';

describe('keys: SaltHolder', () => {
  it('prints [salt redacted] everywhere it could be serialised', () => {
    const holder = new SaltHolder(SALT);
    const renderings = [
      JSON.stringify(holder),
      JSON.stringify({ deps: { salt: holder } }),
      inspect(holder),
      inspect({ salt: holder }, { showHidden: true, depth: 10 }),
      format('%o %O %s %j', holder, holder, holder, holder),
      String(holder),
      `${holder}`,
      Object.keys(holder).join(','),
    ];
    for (const text of renderings) assert.ok(!text.includes(SALT), `salt leaked in: ${text}`);
    assert.equal(JSON.stringify(holder), '"[salt redacted]"');
    assert.equal(inspect(holder), '[salt redacted]');
    assert.ok(!JSON.stringify(structuredClone({ holder })).includes(SALT));
  });

  it('gives the salt to use() callbacks, and refuses after wipe()', async () => {
    const holder = new SaltHolder(SALT);
    assert.equal(await holder.use((s) => s), SALT);
    holder.wipe();
    await assert.rejects(
      holder.use((s) => s),
      /wiped/,
    );
  });

  it('refuses an empty salt', () => {
    assert.throws(() => new SaltHolder(''), /non-empty/);
  });
});
