// The cluster's ssv-dkg operators for tests on the real parts: four operator identities (RSA keys
// in ssv-dkg's keystore format, self-signed TLS), each `ssv-dkg start-operator` in its own folder
// on a free 127.0.0.1 port, with the binary the local network would use (the real one when the
// tool cache has it, else the stand-in: localnet/services/ssv-dkg-choice.ts). The test keeps each
// operator's private key to decrypt registered shares, and the folders where operators keep theirs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decryptOperatorKeystore } from '../../localnet/operator-identity';
import { chooseSsvDkg, type SsvDkgChoice } from '../../localnet/services/ssv-dkg-choice';
import { startDkgOperators, type DkgOperator } from '../../localnet/services/ssv-dkg';
import type { TestOperator } from '../fixtures/keyshares/material';

export interface TestDkgOperators {
  binary: SsvDkgChoice;
  running: DkgOperator[];
  /** id, on-chain key and private key (test only). */
  keys: TestOperator[];
  /** Where each operator keeps its ceremony output and shares. */
  outputDirs: string[];
  stop(): Promise<void>;
}

export async function startTestDkgOperators(
  baseDir: string,
  opts: { ids?: number[]; ethEndpointURL: string; logDir: string },
): Promise<TestDkgOperators> {
  const binary = chooseSsvDkg();
  const ids = opts.ids ?? [1, 2, 3, 4];
  const set = await startDkgOperators(baseDir, ids.length, {
    operatorIds: ids,
    ethEndpointURL: opts.ethEndpointURL,
    logDir: opts.logDir,
    command: binary.path,
  });
  try {
    const keys = await Promise.all(
      set.operators.map(async (op) => ({
        id: op.operatorId,
        publicKeyBase64: op.publicKeyBase64,
        privateKeyPem: await decryptOperatorKeystore(
          join(op.dir, 'encrypted_private_key.json'),
          await readFile(join(op.dir, 'password'), 'utf8'),
        ),
      })),
    );
    return {
      binary,
      running: set.operators,
      keys,
      outputDirs: set.operators.map((op) => join(op.dir, 'output')),
      stop: () => set.stop(),
    };
  } catch (err) {
    await set.stop();
    throw err;
  }
}
