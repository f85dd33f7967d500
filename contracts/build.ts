// Compiles the local-network contracts (contracts/src/*.sol) with solcjs into contracts/out/<Name>.json
// ({abi, bytecode}). A stamp (hash of the sources, the compiler version and the settings) makes a
// second run a no-op; solcjs itself is only loaded when something has to be compiled.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const CONTRACTS_SRC_DIR = join(__dirname, 'src');
export const CONTRACTS_OUT_DIR = join(__dirname, 'out');
const STAMP_NAME = '.build-stamp.json';

/** Where to read sources and write artifacts; the defaults are contracts/src and contracts/out. */
export interface BuildDirs {
  srcDir?: string;
  outDir?: string;
}

/** What a compiled contract is written as. */
export interface Artifact {
  contractName: string;
  sourceName: string;
  abi: unknown[];
  /** 0x-prefixed creation bytecode; "0x" for interfaces and abstract contracts. */
  bytecode: string;
}

const SETTINGS = {
  // The inliner is off so that a constant read through one function stays one PUSH20 in the
  // bytecode: contracts/deploy.ts replaces each address sentinel and requires exactly one copy.
  optimizer: { enabled: true, runs: 200, details: { inliner: false } },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
} as const;

interface Stamp {
  hash: string;
  contracts: string[];
}

interface SolcError {
  severity: 'error' | 'warning' | 'info';
  type: string;
  message: string;
  formattedMessage?: string;
  sourceLocation?: { file: string; start: number; end: number };
}

interface SolcOutput {
  errors?: SolcError[];
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

/** Thrown when solc reports errors; the message lists each one as file:line:col. */
export class ContractCompileError extends Error {
  override readonly name = 'ContractCompileError';
}

function readSources(srcDir: string): Record<string, string> {
  const files = readdirSync(srcDir)
    .filter((f) => f.endsWith('.sol'))
    .sort();
  if (files.length === 0) throw new Error(`no .sol files in ${srcDir}`);
  return Object.fromEntries(files.map((f) => [f, readFileSync(join(srcDir, f), 'utf8')]));
}

function resolveDirs(dirs: BuildDirs): Required<BuildDirs> {
  return { srcDir: dirs.srcDir ?? CONTRACTS_SRC_DIR, outDir: dirs.outDir ?? CONTRACTS_OUT_DIR };
}

function solcVersion(): string {
  // The package version names the bundled soljson exactly; reading it avoids loading the compiler.
  const pkg = JSON.parse(readFileSync(require.resolve('solc/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The hash the build stamp records for the current sources, compiler and settings. */
export function contractsSourceHash(dirs: BuildDirs = {}): string {
  return sourcesHash(readSources(resolveDirs(dirs).srcDir));
}

function sourcesHash(sources: Record<string, string>): string {
  const h = createHash('sha256');
  h.update(`solc ${solcVersion()}\n${JSON.stringify(SETTINGS)}\n`);
  for (const [name, content] of Object.entries(sources)) h.update(`${name}\0${content}\0`);
  return h.digest('hex');
}

function readStamp(outDir: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(join(outDir, STAMP_NAME), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** True when contracts/out holds the output of the current sources and compiler. */
export function contractsUpToDate(dirs: BuildDirs = {}): boolean {
  const { srcDir, outDir } = resolveDirs(dirs);
  const stamp = readStamp(outDir);
  if (!stamp || stamp.hash !== sourcesHash(readSources(srcDir))) return false;
  return stamp.contracts.every((name) => existsSync(join(outDir, `${name}.json`)));
}

/** Byte offset -> "line:col" (1-based) in a source. */
function lineCol(source: string | undefined, offset: number): string {
  if (source === undefined || offset < 0) return '?';
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return `${line}:${col}`;
}

function formatDiagnostic(e: SolcError, sources: Record<string, string>, srcDir: string): string {
  const loc = e.sourceLocation;
  const dir = relative(process.cwd(), srcDir) || '.';
  const where = loc ? `${join(dir, loc.file)}:${lineCol(sources[loc.file], loc.start)}` : dir;
  return `${where}: ${e.severity} (${e.type}): ${e.message}`;
}

/** Writes via a temporary file and a rename, so a concurrent reader never sees half a file. */
function writeAtomic(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/**
 * Compiles every contracts/src/*.sol unless contracts/out already matches them. Throws
 * ContractCompileError (message: one `file:line:col: error ...` per line) on compile errors.
 */
export async function buildContracts(
  opts: BuildDirs & { force?: boolean; log?: (line: string) => void } = {},
): Promise<void> {
  const log = opts.log ?? (() => {});
  const { srcDir, outDir } = resolveDirs(opts);
  const sources = readSources(srcDir);
  const hash = sourcesHash(sources);
  if (!opts.force && contractsUpToDate(opts)) {
    log('contracts: up to date');
    return;
  }
  const started = Date.now();
  // Loaded lazily: requiring solcjs alone takes about half a second.
  const solc = (await import('solc')).default;
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: SETTINGS,
  };
  // Every source is passed in; an import of anything else is an error, not a file system read.
  const findImports = (path: string) => ({
    error: `import not found: ${path} (only the .sol files of ${srcDir} are compiled)`,
  });
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }) as string) as SolcOutput;

  const diagnostics = output.errors ?? [];
  const errors = diagnostics.filter((e) => e.severity === 'error');
  for (const w of diagnostics.filter((e) => e.severity === 'warning')) log(formatDiagnostic(w, sources, srcDir));
  if (errors.length > 0) {
    throw new ContractCompileError(
      `solc ${solcVersion()} failed:\n${errors.map((e) => formatDiagnostic(e, sources, srcDir)).join('\n')}`,
    );
  }

  mkdirSync(outDir, { recursive: true });
  const names: string[] = [];
  for (const [sourceName, contracts] of Object.entries(output.contracts ?? {})) {
    for (const [contractName, c] of Object.entries(contracts)) {
      if (names.includes(contractName)) throw new ContractCompileError(`two contracts are named ${contractName}`);
      names.push(contractName);
      const artifact: Artifact = { contractName, sourceName, abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
      writeAtomic(join(outDir, `${contractName}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
    }
  }
  // The stamp goes last: an interrupted build is never mistaken for a complete one.
  const stamp: Stamp = { hash, contracts: names.sort() };
  writeAtomic(join(outDir, STAMP_NAME), `${JSON.stringify(stamp, null, 2)}\n`);
  log(`contracts: compiled ${names.length} contracts with solc ${solcVersion()} in ${Date.now() - started} ms`);
}

// CLI: tsx contracts/build.ts [--force] [--src DIR] [--out DIR]
if (require.main === module) {
  const args = process.argv.slice(2);
  const valueOf = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  buildContracts({
    force: args.includes('--force'),
    srcDir: valueOf('--src'),
    outDir: valueOf('--out'),
    log: (line) => console.log(line),
  }).catch((err: unknown) => {
    console.error(err instanceof ContractCompileError ? err.message : err);
    process.exit(1);
  });
}
