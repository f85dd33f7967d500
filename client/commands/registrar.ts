// `nexus-bot registrar status|resume`: the SSV registrar that registers every rollup's keyshares in
// the Nexus contract's owner-nonce order. When a registration lands at another nonce than its
// keyshares were signed for, it halts every registration; an operator looks, acts, and resumes.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { resumeRegistrationsProblem } from '../../workflows/message-checks';
import { registrarStatusQuery, resumeRegistrationsUpdate, type RegistrarStatus } from '../../protocol/messages';
import { REGISTRAR_WORKFLOW_ID } from '../../protocol/registrar-types';
import {
  TEMPORAL_OPTIONS,
  TEMPORAL_OPTIONS_HELP,
  UsageError,
  parseCommand,
  positionalArguments,
  temporalTarget,
  withClient,
  type Out,
} from '../cli-support';
import { withAnswerDeadline } from '../monitor-queries';
import { MonitorError } from '../monitors';

export const REGISTRAR_USAGE = `Usage: nexus-bot registrar <status | resume> [options]

The SSV registrar (workflow ${REGISTRAR_WORKFLOW_ID}) registers every rollup's keyshares one at a
time, in the Nexus contract's SSV owner-nonce order. After each registration it checks the nonce
its ValidatorAdded event stands at; at another nonce than the keyshares were signed for (SSV nodes
ignore that validator), it halts registrations for every rollup until an operator resumes them.
  status [--json]           the queue, the DKG reservation, the owner-nonce floor, and the halt
  resume --reason <text>    lift a halt, once the operator has acted: the registrar reads the owner
                            nonce from the chain again, then serves its queue. The same as
                            \`temporal workflow update execute --workflow-id ${REGISTRAR_WORKFLOW_ID}
                            --name resumeRegistrations --input '{"reason":"…"}'\`
  --workflow-id <id>        the registrar's workflow id (default ${REGISTRAR_WORKFLOW_ID})
${TEMPORAL_OPTIONS_HELP}`;

/** The resume reads the chain (an activity): more time than a query. */
const RESUME_TIMEOUT_MS = 120_000;

export async function registrarCommand(argv: string[], out: Out): Promise<void> {
  const parsed = parseCommand(
    REGISTRAR_USAGE,
    argv,
    {
      ...TEMPORAL_OPTIONS,
      reason: { type: 'string' },
      json: { type: 'boolean' },
      'workflow-id': { type: 'string' },
    },
    out,
    true,
  );
  if (!parsed) return;
  const [action] = positionalArguments(REGISTRAR_USAGE, parsed.positionals, ['status | resume']);
  if (action !== 'status' && action !== 'resume')
    throw new UsageError(`expected status or resume, got "${action}"\n\n${REGISTRAR_USAGE}`);
  const { values } = parsed;
  if (action === 'status' && values.reason !== undefined) throw new UsageError('--reason goes with resume, not status');
  const input = { reason: values.reason?.trim() ?? '' };
  const problem = action === 'resume' ? resumeRegistrationsProblem(input) : undefined;
  if (problem) throw new UsageError(`--reason: ${problem}\n\n${REGISTRAR_USAGE}`);
  const workflowId = values['workflow-id'] ?? REGISTRAR_WORKFLOW_ID;

  await withClient(temporalTarget(values), async (client, connection) => {
    const handle = await runningRegistrar(client, workflowId);
    if (action === 'status') {
      const status = await withAnswerDeadline(connection, 'the registrarStatus query', () =>
        handle.query(registrarStatusQuery),
      );
      if (values.json) out(JSON.stringify({ workflowId, ...status }, null, 2));
      else for (const line of formatRegistrarStatus(status, workflowId)) out(line);
      return;
    }
    const result = await withAnswerDeadline(
      connection,
      'the resumeRegistrations update',
      () => handle.executeUpdate(resumeRegistrationsUpdate, { args: [input] }),
      RESUME_TIMEOUT_MS,
    );
    if (!result.resumed) out(`SSV registrations were not halted: nothing changed (${workflowId})`);
    else
      out(
        `SSV registrations resumed (${workflowId}): owner nonce read from the chain: ${result.ownerNonce}; the halt was: ${result.halt?.reason}`,
      );
  });
}

async function runningRegistrar(client: Client, workflowId: string) {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING')
      throw new MonitorError(
        `the SSV registrar ${workflowId} is ${status.name}: it starts again with the next registration request`,
      );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new MonitorError(
        `no SSV registrar ${workflowId} in namespace ${client.options.namespace}: it starts with the first registration request`,
      );
    throw err;
  }
  return handle;
}

export function formatRegistrarStatus(status: RegistrarStatus, workflowId: string): string[] {
  const lines = [`SSV registrar ${workflowId}`];
  if (status.halted) {
    lines.push(`  HALTED since ${status.halted.since}: ${status.halted.reason}`);
    lines.push(
      `    tx ${status.halted.txHash ?? '?'} in block ${status.halted.blockNumber}; resume with \`nexus-bot registrar resume --reason …\` once handled`,
    );
  } else {
    lines.push('  registrations: going');
  }
  lines.push(
    `  owner nonce floor: ${status.nonceFloor ?? 'none yet'}; last registration in block ${status.lastRegistrationBlock ?? 'none yet'}; requests served: ${status.processed}`,
  );
  if (status.reservation)
    lines.push(
      `  DKG reservation: ${status.reservation.requestId}, nonces ${status.reservation.firstNonce}..${status.reservation.firstNonce + status.reservation.count - 1}, since ${status.reservation.since}`,
    );
  lines.push(`  queue: ${status.queue.length === 0 ? 'empty' : ''}`);
  for (const q of status.queue)
    lines.push(
      `    ${q.requestId} (${q.kind}${q.rollupAdmin ? `, rollup ${q.rollupAdmin}` : ''}) waiting since ${q.queuedAt ?? '?'}`,
    );
  return lines;
}
