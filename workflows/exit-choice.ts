// Which validators an exit batch takes, once planning (planning.ts) said how many: pure, shared by
// the monitor and tests.
// - Mnemonic keys first (those with a recorded key index, or every key of a mnemonic rollup): the
//   bot signs their exit itself, so they leave on any Nexus version; then the others, each group
//   lowest beacon index first (the longest-active go first).
// - On Nexus v2024-03, DKG keys are never chosen: its validatorExit only changes their status and
//   tells SSV nothing, so nobody would sign their exit and the batch would wait forever. The exits
//   they would have filled are reported as blocked instead (status, metric, WARN line).
import type { ExitCandidates, ExitValidator } from '../activities/exit-types';
import type { KeyPath } from '../activities/types';

export const DKG_EXIT_BLOCKED_REASON = 'Nexus v2024-03 cannot exit DKG validators (validatorExit does not tell SSV)';
/** Metric label of that reason. */
export const DKG_EXIT_BLOCKED_CODE = 'dkg-exit-unsupported-v2024-03';

export interface ExitChoice {
  chosen: ExitValidator[];
  /** Exits needed that are refused, with why (absent: none refused). */
  blocked?: { reason: string; code: string; count: number };
}

export function chooseExitValidators(
  found: Pick<ExitCandidates, 'candidates' | 'nexusVersion'>,
  toExit: number,
  rollupKeyPath: KeyPath,
): ExitChoice {
  const byIndex = (a: { validatorIndex: number }, b: { validatorIndex: number }) => a.validatorIndex - b.validatorIndex;
  const withPath = found.candidates.map((c): ExitValidator => ({
    pubkey: c.pubkey,
    validatorIndex: c.validatorIndex,
    keyPath: c.hasKeyIndex || rollupKeyPath === 'mnemonic' ? 'mnemonic' : 'dkg',
  }));
  const mnemonic = withPath.filter((c) => c.keyPath === 'mnemonic').sort(byIndex);
  const dkg = withPath.filter((c) => c.keyPath === 'dkg').sort(byIndex);
  const want = Math.max(0, Math.floor(toExit));
  if (found.nexusVersion === 'v2024-06') return { chosen: [...mnemonic, ...dkg].slice(0, want) };
  const chosen = mnemonic.slice(0, want);
  const refused = Math.min(want - chosen.length, dkg.length);
  return refused > 0
    ? { chosen, blocked: { reason: DKG_EXIT_BLOCKED_REASON, code: DKG_EXIT_BLOCKED_CODE, count: refused } }
    : { chosen };
}
