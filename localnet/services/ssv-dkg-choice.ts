// Which ssv-dkg the local network and the tests run. The real binary whenever it is there: the
// path in NEXUS_BOT_SSV_DKG, else the tool cache (`bash tools/install.sh ssv-dkg`). The Go module
// proxy reachable from the machines this was built on refuses ssv-dkg, so otherwise the stand-in
// (localnet/ssv-dkg-stand-in/), which is faithful to the real v3.1.0's recorded behaviour
// (../shared/fixtures/ssv-dkg-v3.1.0/): same commands, flags, output and failure lines.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toolsRoot } from '../../tools/paths';
import { SSV_DKG_STAND_IN } from '../ssv-dkg-stand-in/path';

export type SsvDkgKind = 'real' | 'stand-in';

export interface SsvDkgChoice {
  path: string;
  kind: SsvDkgKind;
  /** One line for the launcher and test logs: which one, and why. */
  reason: string;
}

export { SSV_DKG_STAND_IN };

export function chooseSsvDkg(env: NodeJS.ProcessEnv = process.env): SsvDkgChoice {
  const configured = env.NEXUS_BOT_SSV_DKG;
  if (configured) {
    if (!existsSync(configured))
      throw new Error(`NEXUS_BOT_SSV_DKG=${configured}: no such file (unset it to use the tool cache or the stand-in)`);
    const kind: SsvDkgKind = resolve(configured) === SSV_DKG_STAND_IN ? 'stand-in' : 'real';
    return { path: resolve(configured), kind, reason: `NEXUS_BOT_SSV_DKG=${configured}` };
  }
  const cached = join(toolsRoot(), 'bin', 'ssv-dkg');
  if (existsSync(cached))
    return { path: cached, kind: 'real', reason: `the real binary in the tool cache (${cached})` };
  return {
    path: SSV_DKG_STAND_IN,
    kind: 'stand-in',
    reason: `the stand-in (${SSV_DKG_STAND_IN}): ssv-dkg is not in the tool cache (the Go module proxy here refuses github.com/ssvlabs/ssv-dkg)`,
  };
}
