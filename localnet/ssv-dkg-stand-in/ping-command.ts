// `ssv-dkg ping`: GET /health_check on every operator (from --operatorsInfo(Path) or --ip), TLS
// accepting any certificate (ping has no CA flag, and says so), one line per operator as its answer
// arrives. Exit status 0 whatever the operators answer, like the real binary.
import { decodeOperatorPublicKey } from '../operator-identity';
import { readSignedPong } from '../../activities/dkg/wire';
import { isLocalPath, notLocalError, standInVersion } from './common';
import type { FlagReader } from './flags';
import { httpsRequest } from './https-client';
import { parseOperatorsInfo } from './init-flags';
import { Logger } from './logger';
import { readFileSync } from 'node:fs';

export async function runPing(f: FlagReader): Promise<void> {
  const infoPath = f.str('operatorsInfoPath');
  const info = f.str('operatorsInfo');
  let ips = f.strs('ip');
  if (ips.length === 0) {
    if (infoPath !== '' && info !== '')
      throw new Error('😥 operators info can be provided either as a raw JSON string, or path to a file, not both');
    if (infoPath === '' && info === '')
      throw new Error('😥 operators info should be provided either as a raw JSON string, or path to a file');
    if (infoPath !== '' && !isLocalPath(infoPath)) throw notLocalError('operatorsInfoPath');
  }
  const logger = new Logger({ name: 'dkg-initiator', level: 'debug', format: 'console', levelFormat: 'capitalColor' });
  logger.info('initiator/initiator_health_check.go:35', '🪛 Initiator`s', [['Version', standInVersion()]]);
  if (ips.length === 0) {
    if (infoPath !== '') logger.info('utils/utils.go:365', '📖 reading operators info JSON file');
    ips = parseOperatorsInfo(infoPath !== '' ? readFileSync(infoPath, 'utf8') : info).map((op) => op.ip);
  }
  logger.warn(
    'initiator/initiator.go:107',
    "Dangerous, not secure!!! No CA certificates provided at 'clientCACertPath'. TLS 'InsecureSkipVerify' is set to true, accepting any TLS certificates authorities.",
  );
  await Promise.all(
    ips.map(async (ip) => {
      try {
        const res = await httpsRequest('GET', `${ip}/health_check`, undefined, { insecure: true, timeoutMs: 30_000 });
        if (res.status !== 200)
          throw new Error(`operator returned error: HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
        const { pong, version, publicKeyBase64 } = await readSignedPong(res.body, (p) => {
          try {
            return decodeOperatorPublicKey(Buffer.from(p.pubKey).toString('utf8'));
          } catch (err) {
            throw new Error(`cant parse RSA public key from pong message: ${(err as Error).message}`, { cause: err });
          }
        });
        const fields = [
          ['ID', pong.id],
          ['IP', ip],
          ['Version', version],
          ['Public key', publicKeyBase64],
        ] as const;
        if (!pong.multisig)
          logger.error('initiator/initiator.go:845', '🔴 operator online: but NOT multisig ready', fields);
        else if (pong.ethClientConnected)
          logger.info(
            'initiator/initiator.go:837',
            '🟢 operator online and healthy: multisig ready 👌 and connected to ethereum network ⛓️',
            fields,
          );
        else
          logger.info(
            'initiator/initiator.go:839',
            '🟢 operator online and healthy: multisig ready 👌 but NOT connected to ethereum network 🚫',
            fields,
          );
      } catch (err) {
        logger.error('initiator/initiator.go:738', '🔴 operator not healthy: ', [
          ['error', (err as Error).message],
          ['IP', ip],
        ]);
      }
    }),
  );
}
