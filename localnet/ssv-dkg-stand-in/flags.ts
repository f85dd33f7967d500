// Cobra/pflag-style flag parsing for the stand-in. Each command's flags (name, shorthand, type,
// default) are read from its real help text, so the accepted flags are exactly the documented
// ones. Accepted forms: `--flag value`, `--flag=value`, `-h`, bools bare or `--flag=true|false`,
// `strings` flags comma-separated and repeatable. Errors carry pflag's own wording.
import { HELP_TEXTS } from './help-texts';

export type FlagType = 'string' | 'uint' | 'strings' | 'bool';

export interface FlagSpec {
  name: string;
  shorthand?: string;
  type: FlagType;
  defaultValue: string | undefined;
}

export type FlagValue = string | bigint | string[] | boolean;

export interface ParsedFlags {
  values: Map<string, FlagValue>;
  /** Flags given on the command line (not defaults). */
  set: Set<string>;
  positional: string[];
}

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

const FLAG_LINE = /^\s+(?:-(\w), )?--(\w+)(?: (uint|strings|string|'[^']*'))?\s{2,}(.*)$/;

/** The flags a command's help text lists. */
export function flagSpecs(command: string): FlagSpec[] {
  const help = HELP_TEXTS[command];
  if (help === undefined) throw new Error(`no help text for command ${command}`);
  const specs: FlagSpec[] = [];
  let inFlags = false;
  for (const line of help.split('\n')) {
    if (line === 'Flags:') {
      inFlags = true;
      continue;
    }
    if (!inFlags) continue;
    const m = FLAG_LINE.exec(line);
    if (!m) continue;
    const [, shorthand, name, typeWord, description] = m;
    const type: FlagType =
      typeWord === undefined ? 'bool' : typeWord.startsWith("'") ? 'string' : (typeWord as FlagType);
    specs.push({ name, shorthand, type, defaultValue: parseDefault(description, type) });
  }
  return specs;
}

function parseDefault(description: string, type: FlagType): string | undefined {
  const m = /\(default (.*)\)$/.exec(description);
  if (!m) return undefined;
  const raw = m[1];
  if (type === 'string') return raw.replace(/^"|"$/g, '');
  if (type === 'strings') return raw.replace(/^\[|\]$/g, '');
  return raw;
}

function convert(spec: FlagSpec, raw: string, given: string): FlagValue {
  switch (spec.type) {
    case 'string':
      return raw;
    case 'strings':
      return raw === '' ? [] : raw.split(',');
    case 'bool':
      if (['true', '1', 't', 'T', 'TRUE', 'True'].includes(raw)) return true;
      if (['false', '0', 'f', 'F', 'FALSE', 'False'].includes(raw)) return false;
      throw new FlagError(
        `invalid argument "${raw}" for "${given}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`,
      );
    case 'uint': {
      if (!/^\d+$/.test(raw))
        throw new FlagError(
          `invalid argument "${raw}" for "${given}" flag: strconv.ParseUint: parsing "${raw}": invalid syntax`,
        );
      const value = BigInt(raw);
      if (value > 0xffffffffffffffffn)
        throw new FlagError(
          `invalid argument "${raw}" for "${given}" flag: strconv.ParseUint: parsing "${raw}": value out of range`,
        );
      return value;
    }
  }
}

/** Parses `args` against the command's flags; throws FlagError as pflag would refuse them. */
export function parseFlags(command: string, args: readonly string[]): ParsedFlags {
  const specs = flagSpecs(command);
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.shorthand).map((s) => [s.shorthand!, s]));
  const values = new Map<string, FlagValue>();
  const set = new Set<string>();
  const positional: string[] = [];
  for (const spec of specs) {
    values.set(
      spec.name,
      spec.defaultValue === undefined ? emptyOf(spec.type) : convert(spec, spec.defaultValue, `--${spec.name}`),
    );
  }
  const assign = (spec: FlagSpec, raw: string, given: string) => {
    const value = convert(spec, raw, given);
    if (spec.type === 'strings' && set.has(spec.name))
      values.set(spec.name, [...(values.get(spec.name) as string[]), ...(value as string[])]);
    else values.set(spec.name, value);
    set.add(spec.name);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    let spec: FlagSpec | undefined;
    let given: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      spec = byName.get(name);
      given = `--${name}`;
      if (!spec) throw new FlagError(`unknown flag: --${name}`);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const short = arg[1];
      inline = arg.length > 2 ? arg.slice(arg[2] === '=' ? 3 : 2) : undefined;
      spec = byShort.get(short);
      given = `-${short}, --${spec?.name ?? ''}`;
      if (!spec) throw new FlagError(`unknown shorthand flag: '${short}' in ${arg}`);
    } else {
      positional.push(arg);
      continue;
    }
    if (spec.type === 'bool') {
      assign(spec, inline ?? 'true', given);
      continue;
    }
    if (inline === undefined) {
      if (i + 1 >= args.length) throw new FlagError(`flag needs an argument: ${given}`);
      inline = args[++i];
    }
    assign(spec, inline, given);
  }
  return { values, set, positional };
}

function emptyOf(type: FlagType): FlagValue {
  switch (type) {
    case 'string':
      return '';
    case 'uint':
      return 0n;
    case 'strings':
      return [];
    case 'bool':
      return false;
  }
}

/** Typed getters over ParsedFlags. */
export function flagReader(parsed: ParsedFlags) {
  return {
    str: (name: string) => parsed.values.get(name) as string,
    uint: (name: string) => parsed.values.get(name) as bigint,
    strs: (name: string) => parsed.values.get(name) as string[],
    bool: (name: string) => parsed.values.get(name) as boolean,
    isSet: (name: string) => parsed.set.has(name),
  };
}

export type FlagReader = ReturnType<typeof flagReader>;
