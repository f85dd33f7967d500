// The payload codec's keys: a JSON key file (never the keys themselves in configuration), read
// with the care of an SSH private key. Several keys may be listed so that rotation works: new
// payloads use `activeKeyId`, old ones are decrypted with the key whose id they carry.
//   {"activeKeyId": "k2", "keys": [{"id": "k1", "key": "<base64 of 32 bytes>"}, {"id": "k2", "key": "…"}]}
// Errors name the file, the field and the expected form, never a key's bytes (DESIGN.md invariant 3).
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

export const CODEC_KEY_BYTES = 32; // AES-256

export interface CodecKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface CodecKeyring {
  readonly activeKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export class CodecKeyFileError extends Error {
  override name = 'CodecKeyFileError';
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const keyId = z.string().regex(KEY_ID, 'expected a key id of 1-64 letters, digits, ".", "_" or "-"');
// The value is checked without ever being echoed: zod's own messages do not quote it.
const base64Key = z
  .string()
  .refine(
    (v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === CODEC_KEY_BYTES,
    `expected the base64 of exactly ${CODEC_KEY_BYTES} random bytes (e.g. \`openssl rand -base64 32\`)`,
  );

const keyFileSchema = z
  .strictObject({
    activeKeyId: keyId,
    keys: z
      .array(z.strictObject({ id: keyId, key: base64Key }), 'expected an array of {"id", "key"}')
      .min(1, 'expected at least one key'),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.keys.forEach((k, i) => {
      if (seen.has(k.id))
        ctx.addIssue({ code: 'custom', path: ['keys', i, 'id'], message: `duplicate key id "${k.id}"` });
      seen.add(k.id);
    });
    if (!seen.has(file.activeKeyId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['activeKeyId'],
        message: `expected the id of one of the listed keys, got "${file.activeKeyId}"`,
      });
    }
  });

/** Parses the key file's content; `source` names it in errors. */
export function parseCodecKeys(raw: unknown, source = 'codec key file'): CodecKeyring {
  const result = keyFileSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `  ${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`,
    );
    throw new CodecKeyFileError(`invalid ${source}:\n${problems.join('\n')}`);
  }
  return {
    activeKeyId: result.data.activeKeyId,
    keys: new Map(result.data.keys.map((k) => [k.id, Buffer.from(k.key, 'base64')])),
  };
}

/**
 * Reads and validates a key file. Like ssh with a private key, a file that group or others may
 * access is refused: anyone who can read it can read every payload.
 */
export function loadCodecKeys(file: string): CodecKeyring {
  let text: string;
  try {
    assertPrivateFile(file);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof CodecKeyFileError) throw err;
    throw new CodecKeyFileError(
      `cannot read codec key file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error, which may be key material.
    throw new CodecKeyFileError(
      `codec key file ${file} is not valid JSON; expected {"activeKeyId": "<id>", "keys": [{"id": "<id>", "key": "<base64 of 32 bytes>"}]}`,
    );
  }
  return parseCodecKeys(raw, `codec key file ${file}`);
}

function assertPrivateFile(file: string): void {
  const { mode } = statSync(file);
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new CodecKeyFileError(
      `codec key file ${file} has permissions ${octal}, too open: group and others must have no access (run \`chmod 600 ${file}\`)`,
    );
  }
}

/** A new key file with one random key, readable by its owner only (used by the local network). */
export function writeNewCodecKeyFile(file: string, id = 'k1'): void {
  const content = { activeKeyId: id, keys: [{ id, key: randomBytes(CODEC_KEY_BYTES).toString('base64') }] };
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}
