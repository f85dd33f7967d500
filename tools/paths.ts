// Where tools/install.sh puts the external tools: a per-user cache outside the clone.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type ToolName = 'temporal' | 'tctl' | 'ssv-dkg' | 'temporal-test-server' | 'moto_server' | 'anvil' | 'lodestar';

export function toolsRoot(): string {
  return (
    process.env.NEXUS_BOT_TOOLS_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nexus-bot', 'tools')
  );
}

/** Absolute path of an installed tool; a clear error naming the tool when it is missing. */
export function toolPath(name: ToolName): string {
  const path = join(toolsRoot(), 'bin', name);
  if (!existsSync(path)) {
    throw new Error(`tool "${name}" is not installed at ${path}: run \`npm run setup\` (or \`bash tools/install.sh\`)`);
  }
  return path;
}

/**
 * The Lodestar tool folder (an npm project with its own node_modules): scripts that must import
 * Lodestar's own packages, such as the genesis builder, are run from inside it.
 */
export function lodestarHome(): string {
  const path = join(toolsRoot(), 'lodestar');
  if (!existsSync(join(path, 'node_modules'))) {
    throw new Error(
      `tool "lodestar" is not installed at ${path}: run \`npm run setup\` (or \`bash tools/install.sh lodestar\`)`,
    );
  }
  return path;
}
