// What the `nexus-bot mnemonic …` subcommands share: the rollup argument, the salt and AWS
// options, the Secrets Manager client and the reading of a rollup's mnemonic. The salt is read by
// client/salt-input.ts (file, standard input or hidden prompt), never taken from an argument or the
// environment, and never printed (DESIGN.md invariant 3).
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { getAddress } from 'ethers';
import { KeyError, MnemonicSecretMissingError } from '../../activities/keys/errors';
import { MnemonicVault } from '../../activities/keys/mnemonic-vault';
import { UsageError } from '../cli-support';
import { canPromptForSalt, readSalt } from '../salt-input';

export const SALT_AND_AWS_OPTIONS = `  --salt-file <path>      read the salt from this file (all of it, one trailing newline removed);
                          "-" reads it from standard input. Without it the salt is asked for on
                          the terminal, not echoed. The salt is never an argument or printed.
  --aws-region <region>   Secrets Manager region (default: $AWS_REGION)
  --aws-endpoint <url>    Secrets Manager endpoint, e.g. moto or localstack (default: AWS's own)
                          AWS credentials come from the AWS SDK's default credential chain
                          (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, roles).
  -h, --help              this help`;

export const SALT_AND_AWS_PARSE_OPTIONS = {
  'salt-file': { type: 'string' },
  'aws-region': { type: 'string' },
  'aws-endpoint': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The one positional argument, a rollup admin address in EIP-55 or lower-case form; checksummed. */
export function rollupAdminArgument(positionals: string[], usage: string): string {
  if (positionals.length === 0) throw new UsageError(`missing <rollupAdmin> (the rollup's admin address)\n\n${usage}`);
  if (positionals.length > 1)
    throw new UsageError(`expected one argument, <rollupAdmin>, got ${positionals.length}\n\n${usage}`);
  const arg = positionals[0];
  // Echo the argument only when it looks like an attempted address (never arbitrary text).
  const shown = /^0x[0-9a-zA-Z]{0,64}$/.test(arg) ? ` "${arg}"` : '';
  if (!/^0x[0-9a-fA-F]{40}$/.test(arg)) {
    throw new UsageError(
      `<rollupAdmin>${shown}: not an address (expected 0x followed by 40 hex digits, EIP-55 checksummed or lower-case)`,
    );
  }
  const checksummed = getAddress(arg.toLowerCase());
  if (arg !== arg.toLowerCase() && arg !== checksummed) {
    throw new UsageError(
      `<rollupAdmin>${shown}: mixed case but not a valid EIP-55 checksum (a typo?); give the checksummed or the all lower-case address`,
    );
  }
  return checksummed;
}

export interface AwsOptions {
  region: string;
  endpoint?: string;
  /** For messages: where Secrets Manager was asked. */
  where: string;
}

export function awsOptions(regionOption: string | undefined, endpoint: string | undefined): AwsOptions {
  const region = regionOption ?? (process.env.AWS_REGION || undefined);
  if (region === undefined || region === '')
    throw new UsageError('no AWS region: pass --aws-region <region> or set AWS_REGION');
  if (!/^[a-z0-9-]+$/.test(region))
    throw new UsageError(`--aws-region: "${region}" is not a region name (e.g. eu-west-1)`);
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UsageError(`--aws-endpoint: "${endpoint}" is not a URL (e.g. http://127.0.0.1:5000)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UsageError(`--aws-endpoint: expected an http(s) URL, got "${endpoint}"`);
  }
  return {
    region,
    endpoint,
    where:
      endpoint === undefined ? `Secrets Manager, region ${region}` : `Secrets Manager at ${endpoint}, region ${region}`,
  };
}

export function secretsManager(aws: AwsOptions): SecretsManagerClient {
  return new SecretsManagerClient({
    region: aws.region,
    ...(aws.endpoint === undefined ? {} : { endpoint: aws.endpoint }),
  });
}

/** Refuses, before any prompt, when the salt has nowhere to come from. */
export function requireSaltSource(saltFile: string | undefined, usage: string): void {
  if (saltFile === undefined && !canPromptForSalt()) {
    throw new UsageError(
      `no salt: standard input is not a terminal, so pass --salt-file <path> (or --salt-file - to read the salt from standard input)\n\n${usage}`,
    );
  }
}

/** The key errors pass as they are; an AWS SDK failure (credentials, network, access) says where it happened. */
export async function describeAwsFailure<T>(aws: AwsOptions, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof Error) || err instanceof KeyError) throw err;
    const hint =
      err.name === 'CredentialsProviderError'
        ? ' (credentials come from the AWS SDK default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO or an instance role)'
        : '';
    throw new Error(`${aws.where}: ${err.name}: ${err.message}${hint}`, { cause: err });
  }
}

/** node:util parseArgs errors, turned into a usage error that shows the subcommand's help. */
export function parseOrExplain<T>(usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage}`);
  }
}

/**
 * The rollup's mnemonic from Secrets Manager, decrypted with the salt (read here and wiped before
 * returning). A missing secret says where it was looked for and how to create it.
 */
export async function readRollupMnemonic(
  admin: string,
  aws: AwsOptions,
  saltFile: string | undefined,
): Promise<string> {
  const salt = await readSalt({ saltFile });
  const client = secretsManager(aws);
  try {
    return await describeAwsFailure(aws, () => new MnemonicVault(client, salt).readMnemonic(admin)).catch(
      (err: unknown) => {
        if (err instanceof MnemonicSecretMissingError) {
          throw new MnemonicSecretMissingError(
            `${err.message} (in ${aws.where}); create it with \`nexus-bot mnemonic create ${admin}\``,
          );
        }
        throw err;
      },
    );
  } finally {
    salt.wipe();
    client.destroy();
  }
}
