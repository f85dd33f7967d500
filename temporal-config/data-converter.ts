// The one place the worker, the CLI and the codec server turn a codec key file into the codec,
// so that they all encrypt and decrypt alike.
import type { DataConverter } from '@temporalio/common';
import { loadCodecKeys } from './codec-keys';
import { EncryptionCodec } from './payload-codec';

/** Environment variable naming the codec key file (worker and CLI). */
export const CODEC_KEYS_FILE_ENV = 'NEXUS_BOT_CODEC_KEYS_FILE';

export function loadPayloadCodec(keysFile: string): EncryptionCodec {
  return new EncryptionCodec(loadCodecKeys(keysFile));
}

/** The data converter for a key file, or undefined (plain payloads) when none is configured. */
export function codecDataConverter(keysFile: string | undefined): DataConverter | undefined {
  return keysFile ? { payloadCodecs: [loadPayloadCodec(keysFile)] } : undefined;
}
