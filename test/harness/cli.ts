// Runs a command-line tool and returns its output; failures carry the tool's own message.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

export function runTool(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs ?? 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

const NEXUS_BOT_BIN = join(resolve(__dirname, '..', '..'), 'client', 'bin', 'nexus-bot.js');

/** Runs the `nexus-bot` CLI as its installed bin; never rejects: the exit code is part of the answer. */
export function runNexusBot(
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [NEXUS_BOT_BIN, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}
