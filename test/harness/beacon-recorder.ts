// A recording HTTP proxy in front of a real beacon node (127.0.0.1, free port): every request is
// forwarded unchanged, and each voluntary exit POSTed through it is recorded. Tests point the
// worker at it to count the exits the bot broadcast (a second broadcast of one validator is the
// duplicate that crash safety forbids), and can hold the node's answer to an exit until they have
// acted (kill the worker after the node took the exit and before the bot heard back).
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const VOLUNTARY_EXITS_PATH = '/eth/v1/beacon/pool/voluntary_exits';

export interface RecordedExit {
  validatorIndex: number;
  epoch: number;
  /** HTTP status the node answered (undefined while held or when the answer never came back). */
  status?: number;
  at: number;
}

export interface BeaconRecorder {
  readonly url: string;
  exits(): RecordedExit[];
  /**
   * Called after the node answered an exit and before the answer goes back to the bot; the answer
   * is delivered when the promise settles (never, if the bot was killed meanwhile).
   */
  holdExitAnswer(hook: ((exit: RecordedExit) => Promise<void>) | undefined): void;
  stop(): Promise<void>;
}

export async function startBeaconRecorder(targetUrl: string): Promise<BeaconRecorder> {
  const target = new URL(targetUrl);
  const recorded: RecordedExit[] = [];
  let hold: ((exit: RecordedExit) => Promise<void>) | undefined;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isExit = req.method === 'POST' && (req.url ?? '').split('?')[0] === VOLUNTARY_EXITS_PATH;
      const exit = isExit ? parseExit(body) : undefined;
      if (exit) recorded.push(exit);
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          const answerChunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => answerChunks.push(c));
          answer.on('end', () => {
            const deliver = () => {
              if (res.destroyed) return;
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(Buffer.concat(answerChunks));
            };
            if (!exit) return deliver();
            exit.status = answer.statusCode;
            const hook = hold;
            if (!hook) return deliver();
            hook(exit).then(deliver, deliver);
          });
        },
      );
      upstream.on('error', (err) => {
        if (res.destroyed) return;
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 502, message: `recorder: beacon node unreachable: ${err.message}` }));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exits: () => recorded.map((e) => ({ ...e })),
    holdExitAnswer: (hook) => {
      hold = hook;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The exits of a POST body (Lodestar takes one SignedVoluntaryExit per request). */
function parseExit(body: Buffer): RecordedExit | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { message?: { validator_index?: string; epoch?: string } };
    if (!parsed.message) return undefined;
    return {
      validatorIndex: Number(parsed.message.validator_index),
      epoch: Number(parsed.message.epoch),
      at: Date.now(),
    };
  } catch {
    return undefined;
  }
}
