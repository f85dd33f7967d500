// Where the ssv-dkg binary comes from, and which version it is. The binary is taken from, in this
// order: the worker config (dkg.binary), NEXUS_BOT_SSV_DKG, the tool cache (tools/install.sh).
// Without one, DKG rollups are refused on this worker with one clear message (DkgUnavailableError);
// a binary of another version than the bot's is refused too (operators reject an initiator whose
// version string differs from theirs, and the output format is pinned to this one).
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { toolPath, toolsRoot } from '../../tools/paths';
import { DkgUnavailableError, DkgVersionMismatchError } from './errors';

/** The version string the bot was built and tested for (tools/install.sh SSV_DKG_VERSION). */
export const SSV_DKG_VERSION = 'v3.1.0-653210c';

export type SsvDkgSource = 'config' | 'env' | 'tool-cache';

export interface ResolvedSsvDkg {
  path: string;
  source: SsvDkgSource;
}

export interface ResolveOptions {
  /** dkg.binary from the worker config. */
  configured?: string;
  env?: NodeJS.ProcessEnv;
  /** The tool cache lookup (tools/paths.ts toolPath); replaceable in tests. */
  toolCache?: () => string;
}

const INSTALL_HINT =
  'install it with `bash tools/install.sh ssv-dkg` (tool cache), or set NEXUS_BOT_SSV_DKG or dkg.binary to its path';

/** Why `path` cannot be run, or undefined when it is an executable file. */
function unusable(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'is not a file';
    accessSync(path, constants.X_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? 'does not exist'
      : code === 'EACCES'
        ? 'is not executable'
        : `cannot be used (${code ?? 'error'})`;
  }
}

/**
 * The ssv-dkg binary this worker runs, or DkgUnavailableError saying what was looked for, how to
 * install it, and that DKG rollups are refused on this worker. A path given explicitly (config or
 * environment) that is unusable is an error, not a reason to fall back to the tool cache.
 */
export function resolveSsvDkg(opts: ResolveOptions = {}): ResolvedSsvDkg {
  const env = opts.env ?? process.env;
  const explicit: { path: string; source: SsvDkgSource; what: string }[] = [];
  if (opts.configured) explicit.push({ path: opts.configured, source: 'config', what: 'dkg.binary' });
  else if (env.NEXUS_BOT_SSV_DKG)
    explicit.push({ path: env.NEXUS_BOT_SSV_DKG, source: 'env', what: 'NEXUS_BOT_SSV_DKG' });
  const refused = ': DKG rollups are refused on this worker';
  for (const candidate of explicit) {
    const problem = unusable(candidate.path);
    if (problem)
      throw new DkgUnavailableError(
        `ssv-dkg not available: ${candidate.what} = ${candidate.path} ${problem}; ${INSTALL_HINT}${refused}`,
      );
    return { path: candidate.path, source: candidate.source };
  }
  let cached: string;
  try {
    cached = (opts.toolCache ?? (() => toolPath('ssv-dkg')))();
  } catch {
    throw new DkgUnavailableError(
      `ssv-dkg not available: neither dkg.binary nor NEXUS_BOT_SSV_DKG is set and the tool cache has none (${toolsRoot()}/bin/ssv-dkg); ${INSTALL_HINT}${refused}`,
    );
  }
  const problem = unusable(cached);
  if (problem)
    throw new DkgUnavailableError(
      `ssv-dkg not available: the tool cache's ${cached} ${problem}; ${INSTALL_HINT}${refused}`,
    );
  return { path: cached, source: 'tool-cache' };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const VERSION = /\bv\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?/;

/** The version string in the output of `ssv-dkg version` (e.g. "v3.1.0-653210c"), or undefined. */
export function parseVersionOutput(output: string): string | undefined {
  return VERSION.exec(output.replace(ANSI, ''))?.[0];
}

/** Runs `<path> version`; DkgUnavailableError when it cannot be run or prints no version. */
export function readBinaryVersion(path: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, ['version'], { timeout: timeoutMs, maxBuffer: 64 * 1024 }, (err, stdout, stderr) => {
      const version = parseVersionOutput(`${stdout}\n${stderr}`);
      if (err && !version) {
        reject(
          new DkgUnavailableError(
            `ssv-dkg at ${path} does not run (\`${path} version\`: ${err.message.split('\n')[0].slice(0, 200)}): DKG rollups are refused on this worker`,
          ),
        );
      } else if (!version) {
        reject(
          new DkgUnavailableError(
            `ssv-dkg at ${path} printed no version string for \`version\` (${JSON.stringify(stdout.slice(0, 100))}): DKG rollups are refused on this worker`,
          ),
        );
      } else resolve(version);
    });
  });
}

/** The binary's version, checked against the bot's; DkgVersionMismatchError when it differs. */
export async function checkBinaryVersion(path: string, expected: string = SSV_DKG_VERSION): Promise<string> {
  const found = await readBinaryVersion(path);
  if (found !== expected) throw new DkgVersionMismatchError(`the ssv-dkg binary ${path}`, found, expected);
  return found;
}
