// `ssv-dkg start-operator`: loads the operator keystore (EIP-2335-style, the secret is the PKCS#1
// PEM) with its password file, and serves HTTPS on 127.0.0.1:--port with the given TLS files until
// SIGTERM/SIGINT. Every path flag must be local, as for the real binary.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decryptOperatorKeystore, encodeOperatorPublicKey, type OperatorKeystoreFile } from '../operator-identity';
import { isLocalPath, notLocalError, standInVersion } from './common';
import type { FlagReader } from './flags';
import { Logger } from './logger';
import { handleInit, healthCheckAnswer, OperatorRequestError, type OperatorContext } from './operator-handlers';

const MAX_BODY = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new OperatorRequestError('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Validates the flags (throws the real binary's error texts) and returns the paths. */
export function operatorFlags(f: FlagReader) {
  for (const name of [
    'outputPath',
    'logFilePath',
    'privKey',
    'privKeyPassword',
    'serverTLSCertPath',
    'serverTLSKeyPath',
  ]) {
    if (!isLocalPath(f.str(name))) throw notLocalError(name === 'outputPath' ? 'OutputPath' : name);
  }
  if (f.isSet('configPath') && f.str('configPath') !== '') {
    if (!isLocalPath(f.str('configPath'))) throw notLocalError('configPath');
    throw new Error('😥 --configPath is not supported by the ssv-dkg stand-in');
  }
  if (f.str('privKey') === '') throw new Error('😥 Failed to get private key path flag value');
  if (f.str('privKeyPassword') === '') throw new Error('😥 Failed to get password for private key flag value');
  const operatorId = Number(f.uint('operatorID'));
  if (operatorId === 0) throw new Error('😥 Wrong operator ID flag value');
  const port = Number(f.uint('port'));
  if (port === 0 || port > 65535) throw new Error(`😥 Wrong port flag value: ${port}`);
  return { operatorId, port };
}

export async function startOperator(f: FlagReader): Promise<void> {
  const { operatorId, port } = operatorFlags(f);
  const logger = new Logger({
    name: 'dkg-operator',
    level: f.str('logLevel'),
    format: f.str('logFormat'),
    levelFormat: f.str('logLevelFormat'),
    filePath: f.str('logFilePath'),
  });
  const version = standInVersion();
  logger.info('operator/operator.go:58', '🪛 Operator`s', [['Version', version]]);

  let privateKeyPem: string;
  try {
    const password = readFileSync(f.str('privKeyPassword'), 'utf8');
    privateKeyPem = await decryptOperatorKeystore(f.str('privKey'), password);
  } catch (err) {
    return logger.fatal('cli/operator/operator.go:52', '😥 Failed to load operator key: ', [
      ['error', (err as Error).message],
    ]);
  }
  const privateKey = createPrivateKey(privateKeyPem);
  const publicKeyBase64 = encodeOperatorPublicKey(createPublicKey(privateKey));
  const file = JSON.parse(readFileSync(f.str('privKey'), 'utf8')) as OperatorKeystoreFile;
  if (typeof file.pubKey === 'string' && file.pubKey !== '' && file.pubKey !== publicKeyBase64) {
    return logger.fatal('cli/operator/operator.go:52', '😥 Failed to load operator key: ', [
      ['error', 'keystore pubKey does not match its private key'],
    ]);
  }

  const ctx: OperatorContext = {
    operatorId,
    publicKeyBase64,
    privateKey,
    privateKeyPem,
    version,
    logger,
    ethEndpointURL: f.str('ethEndpointURL'),
    outputPath: f.str('outputPath'),
  };
  const tls: ServerOptions = {
    cert: readFileSync(f.str('serverTLSCertPath')),
    key: readFileSync(f.str('serverTLSKeyPath')),
  };
  const server = createServer(tls, (req: IncomingMessage, res: ServerResponse) => {
    void route(ctx, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  }).catch((err: Error) =>
    logger.fatal('cli/operator/operator.go:73', '😥 Failed to start server', [['error', err.message]]),
  );
  logger.info('server/server.go:94', '🚀 Starting DKG operator', [
    ['addr', `127.0.0.1:${port}`],
    ['ID', operatorId],
  ]);

  await new Promise<void>((resolve) => {
    const stop = () => {
      logger.info('cli/operator/operator.go:80', 'stopping DKG operator');
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

async function route(ctx: OperatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  try {
    if (path === '/health_check' && req.method === 'GET') {
      const answer = await healthCheckAnswer(ctx);
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(answer));
      return;
    }
    if (path === '/init' && req.method === 'POST') {
      const answer = await handleInit(ctx, await readBody(req));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
  } catch (err) {
    const message = err instanceof OperatorRequestError ? err.message : `internal error: ${(err as Error).message}`;
    ctx.logger.error('server/server.go:120', '😥 request failed', [
      ['path', path],
      ['error', message],
    ]);
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
  }
}
