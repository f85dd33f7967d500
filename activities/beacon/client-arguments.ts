// The beacon client's argument checks (URLs, options, hex values), each failing with
// InvalidBeaconArgumentError that names the argument, and the redacted form of a URL for logs.
import { InvalidBeaconArgumentError } from './errors';

/**
 * A URL as it may appear in logs and errors: position, scheme, host and port; credentials, path and
 * query (where providers put API keys) become "…".
 */
export function describeBeaconUrl(url: string, index: number): string {
  try {
    const u = new URL(url);
    const hidden = u.pathname !== '/' || u.search !== '' || u.username !== '' || u.password !== '';
    return `beacon#${index + 1} ${u.protocol}//${u.host}${hidden ? '/…' : ''}`;
  } catch {
    return `beacon#${index + 1} <unparseable URL>`;
  }
}

export function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new InvalidBeaconArgumentError(`beacon client: ${name} must be a positive integer, got ${value}`);
  return value;
}

/** Lower-case 0x-hex of exactly `bytes` bytes, or InvalidBeaconArgumentError naming the argument. */
export function hexArgument(value: unknown, bytes: number, what: string): string {
  if (typeof value !== 'string' || !new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`).test(value)) {
    const shown =
      typeof value === 'string' ? JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value) : typeof value;
    throw new InvalidBeaconArgumentError(`${what} must be ${bytes} bytes of 0x-hex, got ${shown}`);
  }
  return value.toLowerCase();
}
