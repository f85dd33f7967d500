// Paths into the real ssv-dkg v3.1.0 output (/work/shared/fixtures/ssv-dkg-v3.1.0, see its README).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURES =
  process.env.NEXUS_BOT_DKG_FIXTURES ?? path.resolve(__dirname, '../../../../shared/fixtures/ssv-dkg-v3.1.0');
const fallback = '/work/shared/fixtures/ssv-dkg-v3.1.0';
export const DKG_FIXTURES = existsSync(FIXTURES) ? FIXTURES : fallback;

export const fixture = (...parts: string[]) => path.join(DKG_FIXTURES, ...parts);
export const cliFixture = (name: string) => readFileSync(fixture('cli', name), 'utf8');

/** The fixtures' ceremony parameters (README "The commands that made them"). */
export const FIXTURE_OWNER = '0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9';
export const FIXTURE_BRIDGE = '0x663F3ad617193148711d28f5334eE4Ed07016602';

export interface FixtureOperator {
  id: number;
  public_key: string;
  ip: string;
}
export const fixtureOperators = (): FixtureOperator[] =>
  JSON.parse(readFileSync(fixture('operators', 'operators_info.json'), 'utf8')) as FixtureOperator[];

/** The ceremony-* folder of a fixture ceremony. */
export function fixtureCeremony(name: 'one-validator-nonce0' | 'three-validators-nonce5'): string {
  const root = fixture('ceremonies', name);
  const [dir] = readdirSync(root).filter((d) => d.startsWith('ceremony-'));
  return path.join(root, dir);
}
