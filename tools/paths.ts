// Where tools/install.sh puts the external tools: a per-user cache outside the clone.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type ToolName = 'temporal' | 'tctl' | 'ssv-dkg' | 'temporal-test-server' | 'moto_server' | 'anvil';

export function toolsRoot(): string {
  return process.env.NEXUS_BOT_TOOLS_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nexus-bot', 'tools');
}

/** Absolute path of an installed tool; a clear error naming the tool when it is missing. */
export function toolPath(name: ToolName): string {
  const path = join(toolsRoot(), 'bin', name);
  if (!existsSync(path)) {
    throw new Error(`tool "${name}" is not installed at ${path}: run \`npm run setup\` (or \`bash tools/install.sh\`)`);
  }
  return path;
}
