// The SSV registrar's queue kept within Temporal's payload limits across continue-as-new.
// Carried whole, 10,000 waiting requests are 3.9 MB (mnemonic, one key each) to 30 MB (DKG
// keyshares of 4 operators, one validator each) of workflow input, where the server refuses a
// payload over 2 MB (limit.blobSize.error) and warns over 512 KB. So the registrar carries at most
// CARRY_BUDGET_BYTES of requests itself, and spills the rest, in order, into queue segments: small
// workflows that each hold a slice of the queue as their own input. When the registrar reaches a
// segment, an activity reads that input back from the segment's history (readable even if someone
// terminated the segment), and the registrar then lets the segment end. Order is
// head ++ segments ++ arrivals since the spill; each request lives in exactly one place at a time.
import { ParentClosePolicy, condition, defineSignal, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { QueueSegmentInput, RegistrationRequest } from '../protocol/registrar-types';

/** What the registrar carries of its own queue, and what one segment holds (JSON bytes). */
export const CARRY_BUDGET_BYTES = 256 * 1024;
/** What the segment starts of one workflow task may hold together (the server takes 4 MB per message). */
const STARTS_PER_TASK_BYTES = 1024 * 1024;

/** A spilled slice of the queue: the segment's workflow id and how many requests it holds. */
export interface SpilledSegment {
  workflowId: string;
  count: number;
}

/** Registrar → segment: your requests are read back, end now. */
export const releaseQueueSegmentSignal = defineSignal('releaseQueueSegment');

/** Holds a slice of the registrar's queue (as its input) until the registrar has read it back. */
export async function registrarQueueSegmentWorkflow(_input: QueueSegmentInput): Promise<void> {
  let released = false;
  setHandler(releaseQueueSegmentSignal, () => {
    released = true;
  });
  await condition(() => released);
}

const sizeOf = (request: RegistrationRequest) => JSON.stringify(request).length;

/** Splits `requests` into slices of at most `budget` bytes each (a larger single request gets a slice of its own). */
export function sliceByBudget(requests: RegistrationRequest[], budget: number): RegistrationRequest[][] {
  const slices: RegistrationRequest[][] = [];
  let current: RegistrationRequest[] = [];
  let used = 0;
  for (const request of requests) {
    const size = sizeOf(request);
    // A request's messages (a reservation, then its keyshares) stay in one slice.
    const sameRequest = current.length > 0 && current[current.length - 1].requestId === request.requestId;
    if (current.length > 0 && used + size > budget && !sameRequest) {
      slices.push(current);
      current = [];
      used = 0;
    }
    current.push(request);
    used += size;
  }
  if (current.length > 0) slices.push(current);
  return slices;
}

/**
 * Before continue-as-new: keeps the queue's first `budget` bytes (and the held reservation's own
 * messages, which alone may run while it is held) and spills the rest into new segments placed
 * before the existing ones, and the arrivals since the last spill into segments after them.
 * With nothing spilled yet, the arrivals simply follow the queue.
 */
export async function spillQueue(state: {
  queue: RegistrationRequest[];
  tail: RegistrationRequest[];
  spilled: SpilledSegment[];
  queuedAt: Record<string, string>;
  reservedRequestId?: string;
  budget: number;
  /** Numbers the segments of this run (ids must be unique): advanced as segments start. */
  segmentCounter: { next: number };
}): Promise<{ queue: RegistrationRequest[]; spilled: SpilledSegment[] }> {
  const reserved = (r: RegistrationRequest) => r.requestId === state.reservedRequestId;
  const noSegments = state.spilled.length === 0;
  const inOrder = noSegments ? [...state.queue, ...state.tail] : state.queue;
  const afterSegments = noSegments ? [] : state.tail;
  const [head, ...rest] = sliceByBudget(
    inOrder.filter((r) => !reserved(r)),
    state.budget,
  );
  const kept = [...(head ?? []), ...state.queue.filter(reserved), ...state.tail.filter(reserved)];
  const before = await startSegments(rest, state.queuedAt, state.segmentCounter, state.budget);
  const after = await startSegments(
    sliceByBudget(
      afterSegments.filter((r) => !reserved(r)),
      state.budget,
    ),
    state.queuedAt,
    state.segmentCounter,
    state.budget,
  );
  return { queue: kept, spilled: [...before, ...state.spilled, ...after] };
}

/**
 * Starts one segment per slice (ids unique to this run), outliving the registrar's run, and waits
 * until each has started. A few at a time: the starts of one workflow task travel in one gRPC
 * message, which the server refuses over 4 MB.
 */
async function startSegments(
  slices: RegistrationRequest[][],
  queuedAt: Record<string, string>,
  counter: { next: number },
  budget: number,
): Promise<SpilledSegment[]> {
  const { workflowId: owner, runId } = workflowInfo();
  const perTask = Math.max(1, Math.floor(STARTS_PER_TASK_BYTES / budget));
  const started: SpilledSegment[] = [];
  for (let from = 0; from < slices.length; from += perTask) {
    started.push(
      ...(await Promise.all(
        slices.slice(from, from + perTask).map(async (requests) => {
          const segmentId = `${owner}/queue/${runId}/${counter.next++}`;
          const times = Object.fromEntries(
            requests.map((r) => [r.requestId, queuedAt[r.requestId]]).filter(([, at]) => at !== undefined),
          );
          await startChild(registrarQueueSegmentWorkflow, {
            workflowId: segmentId,
            args: [{ owner, segmentId, requests, queuedAt: times }],
            // The registrar continues as new while its segments wait: they must not end with its run.
            parentClosePolicy: ParentClosePolicy.ABANDON,
          });
          return { workflowId: segmentId, count: requests.length };
        }),
      )),
    );
  }
  return started;
}
