// The local beacon chain's genesis state, built by make-genesis.mjs with Lodestar 1.5.1's own
// packages. The script is copied into the Lodestar tool folder and run there rather than imported
// by file URL: Node resolves an ES module's bare imports from the file's own location, and
// Lodestar's @lodestar/* packages only export ESM entry points, which neither createRequire nor a
// stable import.meta.resolve (parent URL) can reach from this CommonJS code base on Node 20.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { lodestarHome } from '../../tools/paths';

/** Keys of one mnemonic that become genesis validators withdrawing to one address (a rollup's bridge). */
export interface KeyGroup {
  /** BIP-39 mnemonic: handed to the builder on standard input only. */
  mnemonic: string;
  /** EIP-2334 key indices: the keys m/12381/3600/i/0/0. */
  indices: readonly number[];
  /** 0x01 withdrawal credentials to this address. */
  withdrawalAddress: string;
}

export interface GenesisOptions {
  outFile: string;
  /** Unix seconds. */
  genesisTime: number;
  /** Interop validators 0..n-1: the node's own validator client runs them and produces the blocks. */
  interopValidators: number;
  /** Chain config overrides, exactly the strings the node gets as `--params.KEY VALUE`. */
  params: Record<string, string>;
  keyGroups: readonly KeyGroup[];
}

const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`), `expected ${bytes} bytes of 0x-hex`);

const genesisSchema = z.object({
  genesisValidatorsRoot: hex(32),
  genesisForkVersion: hex(4),
  genesisTime: z.number().int(),
  validatorCount: z.number().int(),
  /** The key groups' validators, in the order given (interop validators are not listed). */
  validators: z.array(
    z.object({
      group: z.number().int(),
      keyIndex: z.number().int(),
      /** Validator index on the beacon chain. */
      index: z.number().int(),
      pubkey: hex(48),
      withdrawalCredentials: hex(32),
    }),
  ),
});

export type Genesis = z.infer<typeof genesisSchema>;

const SCRIPT = join(__dirname, 'make-genesis.mjs');
const BUILD_TIMEOUT_MS = 60_000;

/** The environment for Lodestar processes: its CLI parses every LODESTAR_* variable as a flag. */
export function lodestarEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('LODESTAR_')));
  return { ...env, ...extra };
}

/** Writes the genesis state to `opts.outFile` and describes it. */
export async function buildGenesis(opts: GenesisOptions): Promise<Genesis> {
  const home = lodestarHome();
  const script = installScript(home);
  const input = JSON.stringify({
    outFile: opts.outFile,
    genesisTime: opts.genesisTime,
    interopValidators: opts.interopValidators,
    params: opts.params,
    keyGroups: opts.keyGroups.map((g) => ({
      mnemonic: g.mnemonic,
      indices: g.indices,
      withdrawalAddress: g.withdrawalAddress,
    })),
  });
  const { code, stdout, stderr } = await runNode(
    ['--require', join(home, 'polyfill.cjs'), script],
    lodestarEnv({ LODESTAR_PRESET: 'minimal' }),
    input,
  );
  if (code !== 0)
    throw new Error(
      `building the beacon genesis state failed (${code === null ? 'timed out' : `exit code ${code}`}):\n${stderr.trim()}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error(`the beacon genesis builder printed no JSON result:\n${stdout}\n${stderr}`);
  }
  const result = genesisSchema.safeParse(parsed);
  if (!result.success)
    throw new Error(`the beacon genesis builder's result has an unexpected shape: ${result.error.message}`);
  return result.data;
}

/**
 * Copies make-genesis.mjs into the tool folder under a name that carries its content hash, by
 * rename (atomic), so concurrent starts never run a half-written or outdated copy.
 */
function installScript(home: string): string {
  const source = readFileSync(SCRIPT);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(home, 'nexus-bot');
  const target = join(dir, `make-genesis-${hash}.mjs`);
  if (!existsSync(target)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, source);
    renameSync(tmp, target);
  }
  return target;
}

function runNode(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}
