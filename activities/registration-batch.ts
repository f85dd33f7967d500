// One activity registers a request's keys (issue 15, item 3): one history event pair per batch
// instead of one per key. Keys go one after another, in owner-nonce order, each through the same
// per-key step as the single-key activities (status check, journaled send under its own
// idempotency key, wait for mining, where it landed), so a retried batch finds what an earlier
// attempt sent and sends nothing twice. Between keys the batch does what the registrar does after
// each key (registration-landing.ts): it raises the owner-nonce floor and the last registration's
// block for the next key, and stops after a key that landed off its signed nonce, where the
// registrar halts. Progress is heartbeated after each key (the Web UI shows it as the pending
// activity's heartbeat details) and a retry resumes after the keys it lists.
// With a pipeline (registration-pipeline.ts, issue 15 item 1) runs send several keys in flight,
// from the batch's first key on; the key a run stops at (a failure, a key it must not send) goes
// this sequential way, then a new run starts.
import { ApplicationFailure, CancelledFailure, Context, heartbeat } from '@temporalio/activity';
import type { RegisteredKeyshares } from '../protocol/registrar-types';
import { pipelineRun, type PipelineOps } from './registration-pipeline';
import { landedOffNonce, viewAfter, type RegistrationView } from '../protocol/registration-landing';

/** What a batch registration returns, and carries (as `details[0]`) on a failure. */
export interface RegistrationBatchResult {
  /** In request order: every key registered (or found registered), the one that stopped the batch last. */
  registered: RegisteredKeyshares[];
  /** Why the batch ended before its last key (a key landed off its signed nonce); absent when all are done. */
  stopped?: string;
}

/** The heartbeat details: the operator's progress, and where a retry resumes. */
export interface RegistrationBatchProgress {
  done: number;
  total: number;
  registered: RegisteredKeyshares[];
}

/** While one key waits for its block (or a fee bump), the last progress is sent again this often. */
const HEARTBEAT_EVERY_MS = 20_000;

/**
 * Registers `keys` in order with `registerOne`, handing each the registrar's view advanced past the
 * keys before it. Any failure is rethrown as an ApplicationFailure of the same message, type and
 * retryability whose details hold the keys registered so far (the registrar replies them).
 */
export async function registerBatch<K>(
  keys: readonly K[],
  pubkeyOf: (key: K) => string,
  view: RegistrationView,
  registerOne: (key: K, view: RegistrationView) => Promise<RegisteredKeyshares>,
  pipeline?: PipelineOps<K>,
): Promise<RegistrationBatchResult> {
  const registered = resumedProgress(keys.map(pubkeyOf));
  let progress: RegistrationBatchProgress = { done: registered.length, total: keys.length, registered };
  const timer = setInterval(() => heartbeat(progress), HEARTBEAT_EVERY_MS);
  try {
    heartbeat(progress);
    for (const done of registered) {
      view = viewAfter(view, done);
      if (landedOffNonce(done)) return { registered, stopped: offNonce(done) };
    }
    const cancelledNow = () => Context.current().cancellationSignal.aborted;
    const cancel = () => {
      const { reason } = Context.current().cancellationSignal;
      return reason instanceof CancelledFailure
        ? reason
        : new CancelledFailure(`batch registration cancelled after ${registered.length} of ${keys.length} keys`);
    };
    /** Records a key done; true when the batch must stop (the registrar halts on this key). */
    const onDone = (done: RegisteredKeyshares): boolean => {
      registered.push(done);
      progress = { done: registered.length, total: keys.length, registered };
      heartbeat(progress);
      view = viewAfter(view, done);
      return landedOffNonce(done);
    };
    const stoppedBy = () => registered.find(landedOffNonce);
    const pipelined = pipeline !== undefined && pipeline.depth > 1;
    while (registered.length < keys.length) {
      // A safe point: nothing of this key is sent yet (a worker shutting down stops here).
      if (cancelledNow()) throw cancel();
      if (pipelined) {
        // A run starts from the cluster as the chain holds it, so the batch's first key needs no
        // block of its own. It ends early at a failure or at a key it must not send (journaled
        // already, not DEPOSITED, estimate reverted, no prediction possible): that key goes the
        // sequential way below, with the chain read again, then a new run starts.
        const run = await pipelineRun(keys, registered.length, view, pipeline, onDone, cancelledNow);
        const off = stoppedBy();
        if (run.stopped && off) return { registered, stopped: offNonce(off) };
        if (run.cancelled) throw cancel();
        if (registered.length >= keys.length) break;
      }
      // Nothing more is sent after a key that landed off its nonce.
      if (onDone(await registerOne(keys[registered.length], view)))
        return { registered, stopped: offNonce(registered.at(-1) as RegisteredKeyshares) };
    }
    return { registered };
  } catch (err) {
    throw withRegistered(err, registered);
  } finally {
    clearInterval(timer);
  }
}

function offNonce(done: RegisteredKeyshares): string {
  return `${done.pubkey} landed at owner nonce ${done.landed?.ownerNonce} but its keyshares are signed for ${done.ownerNonce}${done.landed?.signatureValid ? '' : ' (signature does not fit)'}`;
}

/**
 * The keys an earlier attempt heartbeated as done, when they are this batch's first keys (a
 * heartbeat may be older than the attempt's last key: those are found again by their own checks).
 */
function resumedProgress(pubkeys: string[]): RegisteredKeyshares[] {
  const details = Context.current().info.heartbeatDetails as Partial<RegistrationBatchProgress> | undefined;
  const earlier = Array.isArray(details?.registered) ? details.registered : [];
  const fits =
    earlier.length <= pubkeys.length &&
    earlier.every((r, i) => typeof r?.pubkey === 'string' && r.pubkey.toLowerCase() === pubkeys[i].toLowerCase());
  return fits ? [...earlier] : [];
}

/** The failure as Temporal would report it (same message, type, retryability), carrying the keys done. */
function withRegistered(err: unknown, registered: RegisteredKeyshares[]): unknown {
  if (err instanceof CancelledFailure) return err;
  const details: RegistrationBatchResult[] = [{ registered: [...registered] }];
  if (err instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.type ?? undefined,
      nonRetryable: err.nonRetryable ?? false,
      details,
      cause: err.cause,
      nextRetryDelay: err.nextRetryDelay,
      category: err.category ?? undefined,
    });
  }
  // A plain error: the type Temporal gives it (its class name), so nonRetryableErrorTypes still match.
  return ApplicationFailure.fromError(err, { details });
}
