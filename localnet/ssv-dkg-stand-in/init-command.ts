// `ssv-dkg init`: validates the flags, deals the validators (dealer.ts), sends each operator its
// encrypted shares on POST /init over TLS that trusts exactly the --clientCACertPath files, checks
// every operator's proof signatures, and writes the ceremony folder. Any operator error fails the
// whole ceremony with the real binary's FATAL line and exit 1.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { withdrawalCredentialsFor } from '../../activities/keys/deposit-data';
import { proofHashTreeRoot, verifyRsa } from '../../activities/dkg/wire';
import { standInVersion, type ErrorResponse, type InitRequest, type InitResponse } from './common';
import { dealValidator, thresholdOf, type DealtValidator } from './dealer';
import { writeCeremonyOutput, type CeremonyResult } from './ceremony-output';
import type { FlagReader } from './flags';
import { httpsRequest, type HttpsOptions } from './https-client';
import {
  initSettings,
  readOperatorsInfo,
  validatedOperators,
  type InitSettings,
  type OperatorInfo,
} from './init-flags';
import { Logger } from './logger';
import { keepPace, paceFromEnv } from './pace';

const FATAL_CALLER = 'initiator/initiator.go:105';
const OPERATOR_TIMEOUT_MS = 30_000;

export async function runInit(f: FlagReader): Promise<void> {
  const s = initSettings(f);
  const pace = paceFromEnv();
  const logger = new Logger({
    name: 'dkg-initiator',
    level: f.str('logLevel'),
    format: f.str('logFormat'),
    levelFormat: f.str('logLevelFormat'),
    filePath: f.str('logFilePath'),
  });
  const version = standInVersion();
  logger.info('cli/initiator/initiator.go:49', '🪛 Initiator`s', [['Version', version]]);
  const fail = (err: unknown): never =>
    logger.fatal(FATAL_CALLER, '😥 Failed to initiate DKG ceremony: ', [['error', (err as Error).message]]);

  if (s.operatorsInfoPath !== '') logger.info('utils/utils.go:365', '📖 reading operators info JSON file');
  let operators: OperatorInfo[];
  let tls: HttpsOptions;
  try {
    operators = validatedOperators(s.operatorIds, readOperatorsInfo(s));
    tls = clientTls(s, logger);
  } catch (err) {
    return fail(err);
  }
  logger.info('initiator/initiator.go:289', '🚀 Starting init dkg ceremony', [
    ['operator IDs', operators.map((o) => o.id)],
  ]);
  const startedAt = new Date();
  const identifier = randomBytes(24).toString('hex');
  const credentials01 = withdrawalCredentialsFor(s.withdrawAddress);
  const withdrawalCredentials = s.compounding ? `0x02${credentials01.slice(4)}` : credentials01;
  logger.info('initiator/initiator.go:303', 'Outgoing init request fields', [
    ['network', s.forkVersion],
    ['withdrawal', withdrawalCredentials.slice(2)],
    ['owner', s.owner.slice(2).toLowerCase()],
    ['nonce', s.nonce],
    ['operator IDs', operators.map((o) => o.id)],
  ]);

  const dealt: DealtValidator[] = [];
  for (let i = 0; i < s.validators; i++) {
    dealt.push(
      await dealValidator({
        operators,
        owner: s.owner,
        nonce: s.nonce + i,
        withdrawalCredentials,
        amountGwei: s.amount,
        genesisForkVersion: `0x${s.forkVersion}`,
      }),
    );
  }
  logger.info('initiator/initiator.go:192', 'phase 1: sending init message to operators');
  const request = (op: OperatorInfo): InitRequest => ({
    identifier,
    version,
    operators: operators.map((o) => ({ id: o.id, publicKey: o.publicKeyBase64 })),
    threshold: thresholdOf(operators.length),
    owner: s.owner,
    withdrawalCredentials: withdrawalCredentials.slice(2),
    fork: s.forkVersion,
    amount: String(s.amount),
    shares: dealt.map((v) => {
      const share = v.shares.find((sh) => sh.operatorId === op.id)!;
      return {
        nonce: v.nonce,
        validatorPubKey: Buffer.from(v.validatorPubKey).toString('hex'),
        sharePubKey: Buffer.from(share.sharePubKey).toString('hex'),
        encryptedShare: Buffer.from(share.encryptedShare).toString('hex'),
      };
    }),
  });
  const answers = await Promise.all(operators.map((op) => sendInit(op, request(op), tls)));
  const errors = answers.flatMap((a, i) =>
    a.error === undefined ? [] : [`error: operator ID: ${operators[i].id}, ${a.error}`],
  );
  if (errors.length > 0) fail(new Error(`some new operators returned errors, cant continue: ${errors.join('\n')}`));

  const results: CeremonyResult[] = [];
  try {
    for (const [vi, v] of dealt.entries()) {
      const proofSignatures = await Promise.all(
        v.shares.map(async (share, oi) => {
          const signature = Buffer.from(answers[oi].response!.signatures[vi] ?? '', 'hex');
          const root = await proofHashTreeRoot({
            validatorPubKey: v.validatorPubKey,
            encryptedShare: share.encryptedShare,
            sharePubKey: share.sharePubKey,
            owner: Buffer.from(s.owner.slice(2), 'hex'),
          });
          if (!verifyRsa(operators[oi].publicKey, root, signature))
            throw new Error(
              `operator ${operators[oi].id} sent an invalid proof signature for validator ${Buffer.from(v.validatorPubKey).toString('hex')}`,
            );
          return signature;
        }),
      );
      results.push({ validator: v, proofSignatures });
    }
  } catch (err) {
    return fail(err);
  }
  await keepPace(pace, startedAt, s.validators);
  logger.info('initiator/initiator.go:218', '🏁 DKG ceremony completed, validating results...');
  const dir = writeCeremonyOutput({
    outputPath: s.outputPath,
    startedAt,
    results,
    owner: s.owner,
    operators,
    networkName: s.network,
    forkVersion: s.forkVersion,
  });
  logger.info('cli/initiator/initiator.go:120', '💾 Writing results', [['path', dir]]);
  logger.info('cli/initiator/initiator.go:128', '🚀 DKG ceremony completed');
}

function clientTls(s: InitSettings, logger: Logger): HttpsOptions {
  if (s.tlsInsecure) {
    logger.warn(
      'initiator/initiator.go:107',
      "Dangerous, not secure!!! No CA certificates provided at 'clientCACertPath'. TLS 'InsecureSkipVerify' is set to true, accepting any TLS certificates authorities.",
    );
    return { insecure: true, timeoutMs: OPERATOR_TIMEOUT_MS };
  }
  const ca = s.caPaths.map((p) => readFileSync(p, 'utf8'));
  return { ca: ca.length > 0 ? ca : undefined, timeoutMs: OPERATOR_TIMEOUT_MS };
}

async function sendInit(
  op: OperatorInfo,
  body: InitRequest,
  tls: HttpsOptions,
): Promise<{ response?: InitResponse; error?: string }> {
  try {
    const res = await httpsRequest('POST', `${op.ip}/init`, Buffer.from(JSON.stringify(body)), tls);
    if (res.status === 200) {
      const response = JSON.parse(res.body.toString('utf8')) as InitResponse;
      if (response.signatures?.length !== body.shares.length)
        return {
          error: `operator ${op.id} answered ${response.signatures?.length ?? 0} proofs for ${body.shares.length} validators`,
        };
      return { response };
    }
    let text = res.body.toString('utf8');
    try {
      text = (JSON.parse(text) as ErrorResponse).error ?? text;
    } catch {
      // not JSON: keep the raw text
    }
    return {
      error: `operator ${op.id} failed with: probably of old version, please upgrade operator ${op.id}, ${text}`,
    };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
