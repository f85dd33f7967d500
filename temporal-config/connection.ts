// How the worker and the CLI reach Temporal: address, and for a Temporal cluster or Temporal Cloud, TLS
// (server CA, client certificate) and an API key, all read from files named in the configuration.
// Errors name the configuration field and never quote a file's content (keys, API keys).
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { ConfigError } from '../protocol/config-error';

/** The `temporal` section of the configuration (worker/config.ts), as far as the connection needs it. */
export interface TemporalConnectionSettings {
  address: string;
  tls?: { serverRootCaFile?: string; clientCertFile?: string; clientKeyFile?: string; serverName?: string };
  apiKeyFile?: string;
}

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

export function temporalConnectionOptions(temporal: TemporalConnectionSettings): TemporalConnectionOptions {
  const read = (file: string, field: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(
        `invalid config:\n  temporal.${field}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  };
  const options: TemporalConnectionOptions = { address: temporal.address };
  if (temporal.tls) {
    const { serverRootCaFile, clientCertFile, clientKeyFile, serverName } = temporal.tls;
    options.tls = {
      ...(serverName ? { serverNameOverride: serverName } : {}),
      ...(serverRootCaFile ? { serverRootCACertificate: read(serverRootCaFile, 'tls.serverRootCaFile') } : {}),
      ...(clientCertFile && clientKeyFile
        ? {
            clientCertPair: {
              crt: read(clientCertFile, 'tls.clientCertFile'),
              key: read(clientKeyFile, 'tls.clientKeyFile'),
            },
          }
        : {}),
    };
  }
  if (temporal.apiKeyFile) {
    const apiKey = read(temporal.apiKeyFile, 'apiKeyFile').toString('utf8').trim();
    if (apiKey === '') throw new ConfigError(`invalid config:\n  temporal.apiKeyFile: ${temporal.apiKeyFile} is empty`);
    options.apiKey = apiKey;
    // An API key is only ever sent over TLS (Temporal Cloud).
    options.tls ??= {};
  }
  return options;
}
