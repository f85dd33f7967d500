// How a CLI command gets the operator's salt (the password of the rollups' mnemonic keystores).
// DESIGN.md invariant 3: the salt is never a command-line argument or an environment variable (both
// are visible to other processes and end up in shell history), and it is never printed. It comes
// from a file (`--salt-file <path>`), from standard input (`--salt-file -`), or from a prompt on
// the terminal that does not echo. The bytes read are wiped once the SaltHolder has its copy.
import { promises as fs } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { SaltHolder } from '../activities/keys/salt';

/** More than any password; guards against `--salt-file /dev/zero` or a wrong, huge file. */
const MAX_SALT_BYTES = 64 * 1024;

export interface ReadSaltOptions {
  /** The `--salt-file` value: a path, or "-" for standard input. Undefined: prompt on the terminal. */
  saltFile?: string;
  /** Defaults to process.stdin / process.stderr (the prompt goes to stderr, keeping stdout clean). */
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  promptOutput?: NodeJS.WritableStream;
  /** Prompt text (default "salt (input hidden): "). */
  prompt?: string;
}

/** Whether readSalt can get a salt without --salt-file (only by prompting on a terminal). */
export function canPromptForSalt(input: { isTTY?: boolean } = process.stdin): boolean {
  return input.isTTY === true;
}

/**
 * Reads the salt and returns it in a SaltHolder. Errors name where the salt came from, never
 * what it contains. An empty salt (or one of only whitespace or control characters, which EIP-2335
 * normalisation would reduce to next to nothing) is refused.
 */
export async function readSalt(opts: ReadSaltOptions = {}): Promise<SaltHolder> {
  const input = opts.input ?? process.stdin;
  let salt: string;
  let source: string;
  if (opts.saltFile === '-') {
    if (canPromptForSalt(input)) {
      // Typed at a terminal in cooked mode, the salt would be echoed: the prompt does it without echo.
      throw new Error(
        '--salt-file -: standard input is a terminal, where the salt would be shown as typed; leave out --salt-file to be asked for it without echo',
      );
    }
    source = 'standard input (--salt-file -)';
    salt = stripOneLineEnding(decode(await readStream(input, source), source));
  } else if (opts.saltFile !== undefined) {
    if (opts.saltFile === '') throw new Error('--salt-file: expected a path, or "-" for standard input');
    source = `salt file ${opts.saltFile}`;
    salt = stripOneLineEnding(decode(await readFileBounded(opts.saltFile, source), source));
  } else {
    if (!canPromptForSalt(input)) {
      throw new Error(
        'no salt: pass --salt-file <path> (or --salt-file - to read it from standard input), or run on a terminal to be asked for it',
      );
    }
    source = 'the prompt';
    salt = await promptHidden(opts.prompt ?? 'salt (input hidden): ', input, opts.promptOutput ?? process.stderr);
  }
  // eslint-disable-next-line no-control-regex
  if (salt.replace(/[\s\u0000-\u001f\u007f-\u009f]/g, '').length === 0) {
    throw new Error(
      `the salt from ${source} is empty${salt.length > 0 ? ' (only whitespace or control characters)' : ''}`,
    );
  }
  return new SaltHolder(salt);
}

/** The salt text without one trailing "\n" or "\r\n" (what an editor or `echo` adds). */
function stripOneLineEnding(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

/** UTF-8 text of `bytes`, which are wiped afterwards. */
function decode(bytes: Buffer, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`the salt from ${source} is not UTF-8 text`);
  } finally {
    bytes.fill(0);
  }
}

async function readFileBounded(path: string, source: string): Promise<Buffer> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(path, 'r');
  } catch (err) {
    throw new Error(`cannot open ${source} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  const buf = Buffer.alloc(MAX_SALT_BYTES + 1);
  try {
    let length = 0;
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await fh.read(buf, length, buf.length - length, null));
      } catch (err) {
        throw new Error(`cannot read ${source} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
      }
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_SALT_BYTES) throw new Error(`${source} is larger than ${MAX_SALT_BYTES} bytes: not a salt file`);
    }
    return Buffer.from(buf.subarray(0, length));
  } finally {
    buf.fill(0);
    await fh.close();
  }
}

async function readStream(input: NodeJS.ReadableStream, source: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of input) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      chunks.push(bytes);
      length += bytes.length;
      if (length > MAX_SALT_BYTES) throw new Error(`${source} gave more than ${MAX_SALT_BYTES} bytes: not a salt`);
    }
    return Buffer.concat(chunks);
  } finally {
    for (const c of chunks) c.fill(0);
  }
}

/**
 * Asks for a line on the terminal without echoing it: readline writes its echo to an output stream
 * that is muted once the prompt is shown. Ctrl-C or end of input cancels.
 */
function promptHidden(prompt: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<string> {
  let muted = false;
  const sink = new Writable({
    write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void) {
      if (!muted) output.write(chunk);
      callback();
    },
  });
  // historySize 0: the answer is not kept in readline's in-memory history.
  const rl = createInterface({ input, output: sink, terminal: true, historySize: 0 });
  return new Promise<string>((resolve, reject) => {
    let answered = false;
    rl.on('SIGINT', () => rl.close());
    rl.on('close', () => {
      output.write('\n');
      if (!answered) reject(new Error('no salt entered (cancelled)'));
    });
    rl.question(prompt, (answer) => {
      answered = true;
      resolve(answer);
      rl.close();
    });
    muted = true; // the prompt is written; from here on nothing typed is echoed
  });
}
