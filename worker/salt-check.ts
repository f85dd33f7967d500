// How `nexus-bot unlock` is checked before the worker keeps a salt: the salt must open a stored
// mnemonic keystore (EIP-2335 checksum, activities/keys/mnemonic-vault.ts `checkSalt`). The vault
// has no check value of its own and the instance role may not list secrets (deploy/aws/), so the
// keystores checked are those of the rollups the worker knows: the one the operator names
// (`--rollup`), then the rollups whose monitor runs on the mnemonic path. One keystore that opens
// is enough (every rollup's mnemonic is encrypted under the one salt); the first that does not open
// refuses the salt. Messages name rollups and secrets, never the salt.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Client } from '@temporalio/client';
import { MnemonicSecretMissingError } from '../activities/keys/errors';
import { MnemonicVault, mnemonicSecretName } from '../activities/keys/mnemonic-vault';
import type { SaltHolder } from '../activities/keys/salt';
import { listMonitors } from '../temporal-config/monitor-listing';
import type { SaltCheck, SaltCheckResult } from './salt-lock';

/** The rollups with a running monitor on the mnemonic path (Temporal visibility). */
export function mnemonicRollupsOf(client: Client): () => Promise<string[]> {
  return async () =>
    (await listMonitors(client)).filter((m) => m.keyPath === 'mnemonic').map((m) => m.rollupAdmin.toLowerCase());
}

/** A SaltCheck against Secrets Manager: `rollups` lists the rollups to try after the one named. */
export function secretsManagerSaltCheck(secrets: SecretsManagerClient, rollups: () => Promise<string[]>): SaltCheck {
  return async (candidate: SaltHolder, opts: { rollup?: string }): Promise<SaltCheckResult> => {
    const vault = new MnemonicVault(secrets, candidate);
    const named = opts.rollup?.toLowerCase();
    let known: string[];
    try {
      known = await rollups();
    } catch (err) {
      // Without the list the named rollup alone can still be checked.
      if (named === undefined)
        return {
          ok: false,
          error: 'cannot-check',
          message: `the salt could not be checked: the running mnemonic monitors could not be listed (${(err as Error).message}); name a rollup with \`nexus-bot unlock --rollup <admin>\``,
        };
      known = [];
    }
    const candidates = [...new Set([...(named ? [named] : []), ...known])];
    const missing: string[] = [];
    for (const rollup of candidates) {
      let opens: boolean;
      try {
        opens = await vault.checkSalt(rollup);
      } catch (err) {
        if (err instanceof MnemonicSecretMissingError) {
          missing.push(rollup);
          continue;
        }
        return {
          ok: false,
          error: 'cannot-check',
          message: `the salt could not be checked against ${mnemonicSecretName(rollup)}: ${(err as Error).name}: ${(err as Error).message}`,
        };
      }
      if (!opens)
        return {
          ok: false,
          error: 'wrong-salt',
          message: `wrong salt: it does not open the mnemonic keystore of rollup ${rollup} (${mnemonicSecretName(rollup)})`,
        };
      return { ok: true, message: `the salt opens the mnemonic keystore of rollup ${rollup}` };
    }
    const looked =
      missing.length > 0 ? ` (no secret for ${missing.join(', ')})` : ' (no monitor runs with --key-path mnemonic)';
    return {
      ok: false,
      error: 'cannot-check',
      message: `no stored mnemonic keystore to check the salt against${looked}: name a rollup whose mnemonic secret exists with \`nexus-bot unlock --rollup <admin>\``,
    };
  };
}
