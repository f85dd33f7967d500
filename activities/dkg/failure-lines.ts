// Turns the output of a failed `ssv-dkg init` (stdout, stderr and its --logFilePath file, console
// log format, colour codes possibly present) into one of the named failures of errors.ts. The
// patterns are the ones ssv-dkg v3.1.0 really prints (fixtures/ssv-dkg-v3.1.0/cli/), e.g.
//   <time> FATAL dkg-initiator initiator/initiator.go:105 😥 Failed to initiate DKG ceremony:
//   {"error": "some new operators returned errors, cant continue: error: operator ID: 4, Post
//   \"https://127.0.0.1:3234/init\": dial tcp 127.0.0.1:3234: connect: connection refused"}
// Only operator ids, endpoints and ssv-dkg's own words are quoted: its output holds no secret.
import {
  DkgCeremonyFailedError,
  DkgInvocationError,
  DkgOperatorDownError,
  DkgOperatorKeyMismatchError,
  DkgVersionMismatchError,
} from './errors';

export type DkgFailure =
  | DkgOperatorDownError
  | DkgOperatorKeyMismatchError
  | DkgVersionMismatchError
  | DkgInvocationError
  | DkgCeremonyFailedError;

export interface FailureContext {
  /** The ceremony's operators: an endpoint is named from here when the line lacks it. */
  operators?: readonly { id: number; dkgEndpoint: string }[];
  /** The version the bot expects (for a version complaint). */
  expectedVersion?: string;
  /** How the process ended, for the generic failure. */
  exitCode?: number | null;
  signal?: string | null;
}

/** Longest ssv-dkg line quoted in an error message. */
export const MAX_QUOTE = 500;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const LEVEL = /(?:^|\s)(FATAL|ERROR|PANIC|DPANIC)(?:\s|$)/;
const VERSION = /\bv\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?/;

const clip = (text: string, max = MAX_QUOTE) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The messages of one output: each line with colour codes removed, and the JSON field values of
 * console log lines (`{"error": "…\n…"}`) unescaped and split into their own lines too.
 */
function messagesOf(output: string): { lines: string[]; problems: string[] } {
  const lines = output
    .replace(ANSI, '')
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim().length > 0);
  const problems: string[] = [];
  for (const line of lines) {
    problems.push(line);
    const brace = line.indexOf('{"');
    if (brace < 0) continue;
    try {
      const fields = JSON.parse(line.slice(brace)) as Record<string, unknown>;
      for (const value of Object.values(fields)) if (typeof value === 'string') problems.push(...value.split('\n'));
    } catch {
      /* not a JSON tail: the raw line is enough */
    }
  }
  return { lines, problems };
}

function endpointOf(id: number, ctx: FailureContext, url?: string): string {
  const known = ctx.operators?.find((o) => o.id === id)?.dkgEndpoint;
  if (known) return known;
  if (url) {
    try {
      return new URL(url).origin;
    } catch {
      /* fall through */
    }
  }
  return 'unknown endpoint';
}

/** The last FATAL/ERROR line (its message, without time and caller), else the last line. */
function lastProblemLine(lines: string[]): string | undefined {
  const flagged = lines.filter((l) => LEVEL.test(l));
  const line = flagged.at(-1) ?? lines.at(-1);
  if (!line) return undefined;
  // "<time>\tFATAL\tdkg-initiator\tinitiator/initiator.go:105\t<message>\t<json>": keep level onwards.
  const m = LEVEL.exec(line);
  return (m ? line.slice(m.index).trim() : line.trim()).replace(/\s+/g, ' ');
}

/**
 * The named failure for the output of a failed `ssv-dkg init` (all of its output joined: stdout,
 * stderr, the log file). Order: a refused flag (the bot's bug), a key mismatch, a version
 * complaint, an operator that cannot be reached, else the generic failure quoting the last
 * FATAL/ERROR line (at most MAX_QUOTE characters).
 */
export function classifyInitFailure(output: string, ctx: FailureContext = {}): DkgFailure {
  const { lines, problems } = messagesOf(output);

  for (const p of problems) {
    const flag = /wrong (\w+) flag, should be local/.exec(p);
    if (flag)
      return new DkgInvocationError(
        `ssv-dkg init refused --${flag[1]}: every path flag must be local to its working folder (${clip(p.trim(), 200)})`,
      );
  }

  // "operator ID: 2, operator 2 failed with: probably of old version, … wrong operator ID: want 2, got 3"
  const swaps: { want: number; got: number }[] = [];
  for (const p of problems) {
    const m = /wrong operator ID: want (\d+),? got (\d+)/.exec(p);
    if (m && !swaps.some((s) => s.want === Number(m[1]) && s.got === Number(m[2])))
      swaps.push({ want: Number(m[1]), got: Number(m[2]) });
  }
  if (swaps.length > 0) {
    const named = [...new Set(swaps.flatMap((s) => [s.want, s.got]))].sort((a, b) => a - b);
    const pairs = swaps.map((s) => `operator ${s.want} found its own key listed under operator ${s.got}`).join('; ');
    const detail =
      `the public keys given to ssv-dkg (from the chain) for operators ${named.join(' and ')} are not the keys those operators run: ${pairs}. ` +
      'ssv-dkg words this as "probably of old version, please upgrade", but the cause is the keys, not the version: ' +
      "check each operator's SSVOperatorRegistered key against the key it was started with";
    return new DkgOperatorKeyMismatchError(swaps[0].want, detail);
  }

  for (const p of problems) {
    if (!/version/i.test(p) || /probably of old version/i.test(p)) continue;
    if (
      !/(mismatch|incompatible|unsupported|not supported|wrong version|different version|version.*(expected|want|required))/i.test(
        p,
      )
    )
      continue;
    const op = /operator(?: ID:)? (\d+)/.exec(p);
    const found = VERSION.exec(p.replace(ctx.expectedVersion ?? '\u0000', ''))?.[0] ?? 'another version';
    return new DkgVersionMismatchError(
      op ? `ssv-dkg operator ${op[1]}` : 'an ssv-dkg operator',
      found,
      ctx.expectedVersion ?? "the initiator's version",
    );
  }

  for (const p of problems) {
    // "error: operator ID: 4, Post \"https://127.0.0.1:3234/init\": dial tcp …: connect: connection refused"
    const m = /operator ID: (\d+), (?:Post|Get) \\?"?(https?:\/\/[^"\s\\]+)\\?"?: (.*?)(?:"\})?$/.exec(p);
    if (m) return new DkgOperatorDownError(Number(m[1]), endpointOf(Number(m[1]), ctx, m[2]), clip(m[3].trim(), 300));
    const n =
      /operator ID: (\d+), .*?((?:dial tcp|connection refused|i\/o timeout|no route to host|tls:|x509:|EOF|context deadline exceeded|status code 5\d\d).*)$/.exec(
        p,
      );
    if (n) return new DkgOperatorDownError(Number(n[1]), endpointOf(Number(n[1]), ctx), clip(n[2].trim(), 300));
  }

  const how = ctx.signal ? `killed by ${ctx.signal}` : `exit status ${ctx.exitCode ?? 'unknown'}`;
  const last = lastProblemLine(lines);
  return new DkgCeremonyFailedError(`ssv-dkg init failed (${how})${last ? `: ${clip(last)}` : ' with no output'}`);
}
