// The secret scan of invariant 3, over what Temporal keeps: every payload of every event of every
// history (inputs, results, failures' details, signals, markers, memos, search attributes
// upserted), each one decoded (through the payload codec when it is on) to its text, every plain
// string of the history (failure messages, stack traces), and each execution's memo and search
// attributes as the server describes them. A history serialised as
// JSON hides its payloads in base64 (or as byte maps), where no plain-text search finds a secret.
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';

/**
 * Every Payload object in a decoded protobuf tree (history event attributes, memos, search
 * attributes), and every plain string outside them (failure messages, stack traces, identities).
 */
function collect(node: unknown, found: { payloads: Payload[]; strings: string[] }, seen = new Set<unknown>()): void {
  if (typeof node === 'string') {
    found.strings.push(node);
    return;
  }
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  if (node instanceof Uint8Array) return;
  const maybe = node as { data?: unknown; metadata?: unknown };
  if (
    maybe.data instanceof Uint8Array &&
    (maybe.metadata === undefined || maybe.metadata === null || typeof maybe.metadata === 'object')
  ) {
    found.payloads.push(node as Payload);
    return;
  }
  for (const value of Array.isArray(node) ? node : Object.values(node)) collect(value, found, seen);
}

/** The text a payload holds, after the codec: its data as UTF-8 (JSON and plain text alike). */
async function payloadText(payload: Payload, codecs: PayloadCodec[]): Promise<string> {
  let decoded = [payload];
  for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
  return decoded.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8')).join('\n');
}

export interface ScannedExecution {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** The history's strings and the decoded texts of every payload of it, of the memo and the search attributes. */
  texts: string[];
}

async function listRaw(client: Client, query: string): Promise<{ workflowId: string; runId: string; type: string }[]> {
  const executions: { workflowId: string; runId: string; type: string }[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      nextPageToken,
    });
    for (const e of page.executions ?? []) {
      executions.push({
        workflowId: e.execution?.workflowId ?? '',
        runId: e.execution?.runId ?? '',
        type: e.type?.name ?? '',
      });
    }
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return executions;
}

/** Decodes everything Temporal keeps of the executions `query` lists. */
export async function exportDecoded(
  client: Client,
  query: string,
  codecs: PayloadCodec[] = [],
): Promise<ScannedExecution[]> {
  const scanned: ScannedExecution[] = [];
  for (const execution of await listRaw(client, query)) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    // Raw: the SDK's list() and describe() decode memos, and fail on a codec this client lacks.
    const described = await client.workflowService.describeWorkflowExecution({
      namespace: client.options.namespace,
      execution: { workflowId: execution.workflowId, runId: execution.runId },
    });
    const found = { payloads: [] as Payload[], strings: [] as string[] };
    collect(history, found);
    collect(described.workflowExecutionInfo?.memo, found);
    collect(described.workflowExecutionInfo?.searchAttributes, found);
    const texts = [...found.strings, ...(await Promise.all(found.payloads.map((p) => payloadText(p, codecs))))];
    scanned.push({ workflowId: execution.workflowId, runId: execution.runId, workflowType: execution.type, texts });
  }
  return scanned;
}

/** Where each forbidden string appears ("<workflowId> <runId>"), so that a failure names the leak's place, not the secret. */
export function findSecrets(scanned: ScannedExecution[], forbidden: { label: string; value: string }[]): string[] {
  const leaks: string[] = [];
  for (const execution of scanned) {
    for (const { label, value } of forbidden) {
      if (value !== '' && execution.texts.some((t) => t.includes(value)))
        leaks.push(`${label} in ${execution.workflowType} ${execution.workflowId} (run ${execution.runId})`);
    }
  }
  return leaks;
}
