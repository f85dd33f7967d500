// Hands a registration request to the SSV registrar workflow, starting it if it is not running
// (signal-with-start): creation workflows cannot start a workflow that is not their child.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { registrationRequestSignal } from '../workflows/messages';
import { REGISTRAR_WORKFLOW_ID, type RegistrationRequest } from '../workflows/registrar-types';

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
