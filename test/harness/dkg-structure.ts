// One structural comparison for ssv-dkg ceremony folders, applied alike to the stand-in's output and
// to the real v3.1.0 fixtures: the same file set per folder, folder names of the same form, every
// JSON file compact with one trailing newline, and field by field the same keys in the same order,
// the same value types and (for strings) the same lengths and hex form. `createdAt` is compared as
// Go's RFC3339Nano form, whose length varies with trailing zeros.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const CEREMONY_DIR = /^ceremony-\d{4}-\d\d-\d\d--\d\d-\d\d-\d\d\.\d{3}$/;
const VALIDATOR_DIR = /^\d{6}-0x[0-9a-f]{96}$/;
const GO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

function shape(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  if (/^0x[0-9a-f]*$/.test(value)) return 'hex0x';
  if (/^0x[0-9a-fA-F]{40}$/.test(value)) return 'address';
  if (/^[0-9a-f]+$/.test(value)) return 'hex';
  return 'string';
}

/** Differences between two JSON values, as "path: problem" lines. */
export function compareJson(actual: unknown, expected: unknown, path = '$'): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: array expected, got ${typeof actual}`];
    if (actual.length !== expected.length) return [`${path}: ${actual.length} elements, expected ${expected.length}`];
    return expected.flatMap((e, i) => compareJson(actual[i], e, `${path}[${i}]`));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: object expected`];
    const ak = Object.keys(actual);
    const ek = Object.keys(expected);
    if (ak.join(',') !== ek.join(',')) return [`${path}: keys [${ak.join(',')}], expected [${ek.join(',')}]`];
    return ek.flatMap((k) =>
      compareJson((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  if (typeof actual !== typeof expected) return [`${path}: ${typeof actual}, expected ${typeof expected}`];
  if (typeof expected === 'string') {
    const a = actual as string;
    if (path.endsWith('.createdAt')) return GO_TIME.test(a) ? [] : [`${path}: ${a} is not Go's RFC3339Nano UTC form`];
    if (shape(a) !== shape(expected)) return [`${path}: form ${shape(a)}, expected ${shape(expected)}`];
    if (a.length !== expected.length) return [`${path}: length ${a.length}, expected ${expected.length}`];
  }
  return [];
}

function listing(dir: string): { files: string[]; dirs: string[] } {
  const entries = readdirSync(dir);
  return {
    files: entries.filter((e) => statSync(join(dir, e)).isFile()).sort(),
    dirs: entries.filter((e) => statSync(join(dir, e)).isDirectory()).sort(),
  };
}

function readCompactJson(file: string, problems: string[]): unknown {
  const text = readFileSync(file, 'utf8');
  const value = JSON.parse(text) as unknown;
  if (text !== `${JSON.stringify(value)}\n`) problems.push(`${file}: not compact JSON with one trailing newline`);
  return value;
}

/** Compares two ceremony folders (ceremony-*); returns the list of differences (empty: same structure). */
export function compareCeremonyDirs(actualDir: string, expectedDir: string): string[] {
  const problems: string[] = [];
  for (const dir of [actualDir, expectedDir]) {
    const name = dir.split('/').pop()!;
    if (!CEREMONY_DIR.test(name)) problems.push(`${dir}: folder name is not ceremony-YYYY-MM-DD--HH-MM-SS.mmm`);
  }
  const a = listing(actualDir);
  const e = listing(expectedDir);
  if (a.files.join(',') !== e.files.join(','))
    problems.push(`ceremony root files [${a.files.join(',')}], expected [${e.files.join(',')}]`);
  if (a.dirs.length !== e.dirs.length) problems.push(`${a.dirs.length} validator folders, expected ${e.dirs.length}`);
  for (const d of [...a.dirs.map((x) => join(actualDir, x)), ...e.dirs.map((x) => join(expectedDir, x))]) {
    if (!VALIDATOR_DIR.test(d.split('/').pop()!)) problems.push(`${d}: folder name is not NNNNNN-0x<pubkey>`);
  }
  const compareFiles = (aPath: string, ePath: string, files: string[]) => {
    for (const f of files) {
      const av = readCompactJson(join(aPath, f), problems);
      const ev = readCompactJson(join(ePath, f), problems);
      problems.push(...compareJson(av, ev, `${f}`).map((p) => `${aPath.split('/').pop()}/${p}`));
    }
  };
  if (a.files.join(',') === e.files.join(',')) compareFiles(actualDir, expectedDir, e.files);
  for (let i = 0; i < Math.min(a.dirs.length, e.dirs.length); i++) {
    const av = listing(join(actualDir, a.dirs[i]));
    const ev = listing(join(expectedDir, e.dirs[i]));
    if (av.files.join(',') !== ev.files.join(',') || av.dirs.length > 0) {
      problems.push(
        `${a.dirs[i]}: files [${av.files.join(',')}] and ${av.dirs.length} folders, expected [${ev.files.join(',')}]`,
      );
      continue;
    }
    compareFiles(join(actualDir, a.dirs[i]), join(expectedDir, e.dirs[i]), ev.files);
  }
  return problems;
}
