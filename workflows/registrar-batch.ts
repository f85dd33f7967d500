// The registrar's batch path (issue 15, item 3; behind patched('registrar-batch-activity') in
// registrar/serve.ts): one writer activity registers a request's keys, instead of one activity per
// key. The activity stops where the registrar would halt (registration-landing.ts); here the
// registrar applies its used() bookkeeping to each returned key in order, exactly as after each
// single-key activity, and replies to the creation what it replied before: the keys registered,
// and why it failed or halted.
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { BotActivities, RegisteredKeyshares } from '../activities/interface';
import type { RegistrationBatchResult } from '../activities/registration-batch';
import { REGISTRATION_BATCH_OPTIONS } from './activity-options';
import { describeFailure } from './failures';
import type { RegistrationView } from '../protocol/registration-landing';
import type {
  DkgRegistrationRequest,
  MnemonicRegistrationRequest,
  RegistrationHalt,
  RegistrationResult,
} from '../protocol/registrar-types';
import { proxyRoleActivities } from './role-activities';

export const REGISTRAR_BATCH_PATCH = 'registrar-batch-activity';

const { registerMnemonicKeysharesBatch, registerDkgKeysharesBatch } = proxyRoleActivities<BotActivities>(
  'writer',
  REGISTRATION_BATCH_OPTIONS,
);

export interface BatchServing {
  /** The registrar's view now (floor and last registration block). */
  view(): RegistrationView;
  /** The registrar's bookkeeping after one key (floor, block, halt): a halt means nothing after it counts. */
  used(registered: RegisteredKeyshares, rollupAdmin: string): Promise<RegistrationHalt | undefined>;
  reply(requester: string, result: RegistrationResult): Promise<void>;
}

interface BatchOutcome {
  registered: RegisteredKeyshares[];
  halt?: RegistrationHalt;
  failure?: unknown;
}

export async function serveMnemonicBatch(request: MnemonicRegistrationRequest, serving: BatchServing): Promise<void> {
  const outcome = await registerInBatch(
    () =>
      registerMnemonicKeysharesBatch({
        rollupAdmin: request.rollupAdmin,
        operatorCluster: request.operatorCluster,
        keys: request.keys,
        ...serving.view(),
      }),
    request.rollupAdmin,
    serving,
  );
  await answer(request, outcome, serving);
}

/** The ceremony's keyshares up to the first one not signed for its reserved nonce; that one fails the request, as before. */
export async function serveDkgBatch(
  request: DkgRegistrationRequest,
  firstNonce: number,
  serving: BatchServing,
): Promise<void> {
  const mismatch = request.keyshares.findIndex((k, i) => k.ownerNonce !== firstNonce + i);
  const valid = mismatch < 0 ? request.keyshares : request.keyshares.slice(0, mismatch);
  const outcome: BatchOutcome =
    valid.length === 0
      ? { registered: [] }
      : await registerInBatch(
          () => registerDkgKeysharesBatch({ rollupAdmin: request.rollupAdmin, keyshares: valid, ...serving.view() }),
          request.rollupAdmin,
          serving,
        );
  if (!outcome.halt && outcome.failure === undefined && mismatch >= 0) {
    const k = request.keyshares[mismatch];
    outcome.failure = new Error(
      `keyshares of ${k.publicKey} are signed for nonce ${k.ownerNonce}, the reservation expects ${firstNonce + mismatch}`,
    );
  }
  await answer(request, outcome, serving);
}

/** Runs the batch, then the registrar's bookkeeping on each key it registered (also those before a failure). */
async function registerInBatch(
  run: () => Promise<RegistrationBatchResult>,
  rollupAdmin: string,
  serving: BatchServing,
): Promise<BatchOutcome> {
  let result: RegistrationBatchResult;
  let failure: unknown;
  try {
    result = await run();
  } catch (err) {
    failure = err;
    result = { registered: registeredBefore(err) };
  }
  const registered: RegisteredKeyshares[] = [];
  for (const done of result.registered) {
    const halt = await serving.used(done, rollupAdmin);
    // The rest of the batch is not registered: its keys stay deposited for a later registration.
    if (halt) return { registered, halt };
    registered.push(done);
  }
  return { registered, failure };
}

async function answer(
  request: MnemonicRegistrationRequest | DkgRegistrationRequest,
  outcome: BatchOutcome,
  serving: BatchServing,
): Promise<void> {
  const { requestId, requester } = request;
  const { registered, halt, failure } = outcome;
  if (halt)
    return serving.reply(requester, {
      requestId,
      kind: 'failed',
      reason: `SSV registrations halted: ${halt.reason}`,
      registered,
    });
  if (failure !== undefined)
    return serving.reply(requester, { requestId, kind: 'failed', reason: describeFailure(failure), registered });
  return serving.reply(requester, { requestId, kind: 'registered', registered });
}

/** The keys a failed batch registered before failing (its failure's details, registration-batch.ts). */
function registeredBefore(err: unknown): RegisteredKeyshares[] {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (!(cause instanceof ApplicationFailure)) return [];
  const [details] = (cause.details ?? []) as Partial<RegistrationBatchResult>[];
  return Array.isArray(details?.registered) ? details.registered : [];
}
