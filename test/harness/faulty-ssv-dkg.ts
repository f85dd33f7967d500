// Test-only ssv-dkg executables for fault tests: small bash wrappers around the binary the tests
// run (the real one or the stand-in), configured as the worker's dkg.binary. One alters a field of
// a finished ceremony's output, the other reports another version than the bot was built for.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type SsvDkgFault =
  /** `init` runs, then the deposit signature of one validator is altered by one hex digit. */
  | { kind: 'deposit-signature' }
  /** `version` prints this instead of the wrapped binary's version; everything else passes through. */
  | { kind: 'version'; version: string };

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// The signature is replaced in every deposit_data file of the output (per validator and
// aggregated), so the copies still agree and only the signature itself is wrong.
const ALTER_DEPOSIT_SIGNATURE = `"$wrapped" "$@"
[[ "\${1:-}" == init ]] || exit 0
out=output
args=("$@")
for ((i = 0; i + 1 < \${#args[@]}; i++)); do [[ "\${args[i]}" == --outputPath ]] && out="\${args[i + 1]}"; done
first="$(find "$out" -name deposit_data.json | sort | head -n 1)"
sig="$(grep -o '"signature":"[0-9a-f]*"' "$first" | head -n 1 | cut -d'"' -f4)"
[[ -n "$sig" ]] || { echo "faulty ssv-dkg: no deposit signature in $first" >&2; exit 1; }
if [[ "\${sig: -1}" == 0 ]]; then altered="\${sig%?}1"; else altered="\${sig%?}0"; fi
find "$out" -name deposit_data.json -exec sed -i "s/$sig/$altered/g" {} +
`;

/** Writes the wrapper `ssv-dkg-<fault>` into `dir` (executable) and returns its path. */
export function writeFaultySsvDkg(dir: string, wrapped: string, fault: SsvDkgFault): string {
  const body =
    fault.kind === 'deposit-signature'
      ? ALTER_DEPOSIT_SIGNATURE
      : `if [[ "\${1:-}" == version ]]; then echo ${shellQuote(fault.version)}; exit 0; fi\nexec "$wrapped" "$@"\n`;
  const path = join(dir, `ssv-dkg-${fault.kind}`);
  writeFileSync(
    path,
    `#!/usr/bin/env bash\n# Test only: ${fault.kind} fault around ${wrapped}\nset -euo pipefail\nwrapped=${shellQuote(wrapped)}\n${body}`,
    { mode: 0o755 },
  );
  return path;
}
