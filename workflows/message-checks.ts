// Checks of the payloads workflows send each other by signal. Anyone with access to the namespace
// can signal a workflow (`temporal workflow signal`), and a handler that throws on a malformed
// payload fails the workflow task again on every retry: the monitor or the registrar would be
// wedged for good. So each handler checks its payload first and drops a bad one with a log line.
// Each check returns what is wrong, or undefined.
import { log, workflowInfo } from '@temporalio/workflow';
import { asRollupAdmin, identifierProblem } from '../protocol/identifiers';
import type { RegistrationRequest } from '../protocol/registrar-types';

type Problem = string | undefined;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isNonce = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;

function firstProblem(checks: [boolean, string][]): Problem {
  return checks.find(([ok]) => !ok)?.[1];
}

/** A registered key's owner nonce: -1 when the key was found registered already (a retry after the transaction was mined). */
const isRegisteredNonce = (value: unknown): boolean => value === -1 || isNonce(value);

function registeredKeysProblem(registered: unknown): Problem {
  if (!Array.isArray(registered)) return 'registered must be an array';
  const bad = registered.findIndex((r) => !isObject(r) || !isText(r.pubkey) || !isRegisteredNonce(r.ownerNonce));
  return bad === -1
    ? undefined
    : `registered[${bad}] needs a pubkey and an owner nonce (≥ 0, or -1: found registered already)`;
}

/** The registrar's answer to a creation (also relayed to the monitor). */
export function registrationResultProblem(result: unknown): Problem {
  if (!isObject(result)) return 'not an object';
  if (!isText(result.requestId)) return 'requestId must be a non-empty string';
  switch (result.kind) {
    case 'granted':
      return isNonce(result.firstNonce) ? undefined : 'firstNonce must be an integer ≥ 0';
    case 'registered':
      return registeredKeysProblem(result.registered);
    case 'failed':
      return typeof result.reason === 'string' ? registeredKeysProblem(result.registered) : 'reason must be a string';
    default:
      return `unknown kind ${JSON.stringify(result.kind)}`;
  }
}

/** A creation's request to the registrar. */
export function registrationRequestProblem(request: unknown): Problem {
  if (!isObject(request)) return 'not an object';
  const common = firstProblem([
    [isText(request.requestId), 'requestId must be a non-empty string'],
    [isText(request.requester), 'requester must be a workflow id'],
  ]);
  if (common) return common;
  const r = request as unknown as RegistrationRequest;
  switch (r.kind) {
    case 'mnemonic':
      if (!Array.isArray(r.keys) || r.keys.length === 0) return 'keys must be a non-empty array';
      if (r.keys.some((k) => !isObject(k) || !isText(k.pubkey) || !isNonce(k.keyIndex)))
        return 'each key needs a pubkey and a key index ≥ 0';
      return identifierProblem(() => asRollupAdmin(r.rollupAdmin, 'rollupAdmin'));
    case 'dkg-reserve':
      return Number.isSafeInteger(r.count) && r.count > 0 ? undefined : 'count must be a positive integer';
    case 'dkg-register':
      return Array.isArray(r.keyshares) && r.keyshares.length > 0 ? undefined : 'keyshares must be a non-empty array';
    case 'dkg-abandon':
      return undefined;
    default:
      return `unknown kind ${JSON.stringify((request as { kind?: unknown }).kind)}`;
  }
}

/** An operator's resume of halted registrations: a reason is required (it is the record of why). */
export function resumeRegistrationsProblem(input: unknown): Problem {
  if (!isObject(input)) return 'expected {"reason": "…"}';
  if (typeof input.reason !== 'string' || input.reason.trim() === '')
    return 'reason must be a non-empty string: say what was checked or done';
  return input.reason.length > 500 ? 'reason must be at most 500 characters' : undefined;
}

/** A batch tells its monitor where it stands. */
export function stepStateProblem(step: unknown): Problem {
  if (!isObject(step)) return 'not an object';
  const hold = step.hold;
  return firstProblem([
    [isText(step.workflowId), 'workflowId must be a non-empty string'],
    [
      step.order === undefined || (Number.isSafeInteger(step.order) && (step.order as number) >= 0),
      'order must be a non-negative integer',
    ],
    [typeof step.phase === 'string', 'phase must be a string'],
    [
      hold === undefined ||
        (isObject(hold) &&
          ['held', 'finishing', 'stopping'].includes(hold.state as string) &&
          typeof hold.step === 'string'),
      'hold must be {state: held|finishing|stopping, step, since}',
    ],
    [
      step.funding === undefined || (isObject(step.funding) && typeof step.funding.message === 'string'),
      'funding must be {reason, message, since, lastCheck, checks}',
    ],
    [
      step.operators === undefined || (isObject(step.operators) && typeof step.operators.problem === 'string'),
      'operators must be {problem, since, lastCheck, checks, nextCheck}',
    ],
  ]);
}

/** An exit batch tells its monitor that it ended. */
export function exitReportProblem(report: unknown): Problem {
  if (!isObject(report)) return 'not an object';
  return firstProblem([
    [isText(report.workflowId), 'workflowId must be a non-empty string'],
    [Array.isArray(report.exited) && report.exited.every(isText), 'exited must be an array of pubkeys'],
    [
      Array.isArray(report.rejected) &&
        report.rejected.every((r) => isObject(r) && isText(r.pubkey) && typeof r.reason === 'string'),
      'rejected must be an array of {pubkey, reason}',
    ],
    [report.error === undefined || typeof report.error === 'string', 'error must be a string when present'],
  ]);
}

/** What a bad payload looks like, without its values (a misdirected payload may hold anything). */
export function payloadShape(payload: unknown): string {
  if (payload === null || payload === undefined) return String(payload);
  if (Array.isArray(payload)) return `array of ${payload.length}`;
  if (typeof payload !== 'object') return typeof payload;
  return `object with keys ${Object.keys(payload).slice(0, 10).join(', ') || '(none)'}`;
}

/** Drops a bad payload with an ERROR line naming the signal and what is wrong; true when it was bad. */
export function rejected(signal: string, problem: Problem, payload: unknown): boolean {
  if (problem === undefined) return false;
  log.error(`${signal} signal dropped: ${problem}`, {
    workflowId: workflowInfo().workflowId,
    payload: payloadShape(payload),
  });
  return true;
}
