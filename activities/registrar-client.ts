// Hands a registration request to the SSV registrar workflow, starting it if it is not running
// (signal-with-start): creation workflows cannot start a workflow that is not their child.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { registrarHoldsRequestQuery, registrationRequestSignal } from '../protocol/messages';
import { REGISTRAR_WORKFLOW_ID, type QueueSegmentInput, type RegistrationRequest } from '../protocol/registrar-types';

export interface RegistrarClientDependencies {
  client: Client;
  taskQueue: string;
  /** The registrar's workflow id: one per namespace (tests use their own). */
  registrarWorkflowId?: string;
}

export function createRegistrarActivities(deps: RegistrarClientDependencies) {
  return {
    async isWorkflowRunning({ workflowId }: { workflowId: string }): Promise<boolean> {
      try {
        const { status } = await deps.client.workflow.getHandle(workflowId).describe();
        return status.name === 'RUNNING';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
    /**
     * The requests a registrar queue segment holds: its own input, read from its history (so even a
     * segment someone terminated gives its requests back). Undefined when Temporal no longer has it.
     */
    async readQueueSegment({ workflowId }: { workflowId: string }): Promise<QueueSegmentInput | undefined> {
      let history;
      try {
        history = await deps.client.workflow.getHandle(workflowId).fetchHistory();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      if (!started) throw new Error(`queue segment ${workflowId}: its history does not begin with its start`);
      const [input] = await decodeArrayFromPayloads(deps.client.options.loadedDataConverter, started.input?.payloads);
      return input as QueueSegmentInput;
    },
    /** Whether the running registrar holds a request; false when no registrar runs. */
    async registrarKnowsRequest({ requestId }: { requestId: string }): Promise<boolean> {
      const handle = deps.client.workflow.getHandle(deps.registrarWorkflowId ?? REGISTRAR_WORKFLOW_ID);
      try {
        const { status } = await handle.describe();
        if (status.name !== 'RUNNING') return false;
        return await handle.query(registrarHoldsRequestQuery, requestId);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
    async requestRegistration(request: RegistrationRequest): Promise<void> {
      await deps.client.workflow.signalWithStart('ssvRegistrarWorkflow', {
        workflowId: deps.registrarWorkflowId ?? REGISTRAR_WORKFLOW_ID,
        taskQueue: deps.taskQueue,
        args: [{}],
        signal: registrationRequestSignal,
        signalArgs: [request],
      });
    },
  };
}
