// The worker's configuration: one zod schema (worker/config-schema.ts), read from a JSON file
// (NEXUS_BOT_CONFIG) and overridden field by field by environment variables. Every error names the
// field and the expected form; nothing secret belongs here (secrets come from the AWS chain or a prompt).
import { readFileSync } from 'node:fs';
import { ConfigError } from '../protocol/config-error';
import { workerConfigSchema, type WorkerConfig } from './config-schema';

export { workerConfigSchema, type WorkerConfig } from './config-schema';
export { HOST_PORT_PATTERN, durationMs } from './config-fields';

// The class lives below worker/ so that temporal-config/ (the connection) can throw it too.
export { ConfigError };

/** Environment variables that override single fields of the file. */
const ENV_FIELDS: Record<string, string[]> = {
  NEXUS_BOT_WORKER_NAME: ['workerName'],
  NEXUS_BOT_TEMPORAL_ADDRESS: ['temporal', 'address'],
  NEXUS_BOT_TEMPORAL_NAMESPACE: ['temporal', 'namespace'],
  NEXUS_BOT_TASK_QUEUE: ['temporal', 'taskQueue'],
  NEXUS_BOT_ROLES: ['roles'],
  NEXUS_BOT_CODEC_KEYS_FILE: ['codec', 'keysFile'],
  NEXUS_BOT_METRICS_LISTEN: ['observability', 'metrics', 'listen'],
  NEXUS_BOT_LOG_FORMAT: ['observability', 'logFormat'],
  NEXUS_BOT_DRY_RUN: ['dryRun'],
  NEXUS_BOT_WORKFLOW_BUNDLE: ['workflowBundleFile'],
  NEXUS_BOT_TEMPORAL_API_KEY_FILE: ['temporal', 'apiKeyFile'],
};

/** Environment variables holding a boolean: only these spellings, anything else is an error naming the variable. */
const BOOLEAN_ENV: Record<string, boolean> = { true: true, '1': true, false: false, '0': false };

/** Parses and validates a configuration object; throws ConfigError listing every bad field. */
export function parseWorkerConfig(raw: unknown, source = 'config'): WorkerConfig {
  const result = workerConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `  ${field}: ${issue.message}`;
  });
  throw new ConfigError(`invalid ${source}:\n${problems.join('\n')}`);
}

/** Reads NEXUS_BOT_CONFIG (a JSON file, optional), applies env overrides, validates. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const file = env.NEXUS_BOT_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file} (NEXUS_BOT_CONFIG): ${(err as Error).message}`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  for (const [name, path] of Object.entries(ENV_FIELDS)) {
    const value = env[name];
    if (value === undefined) continue;
    if (name === 'NEXUS_BOT_DRY_RUN') {
      if (!(value in BOOLEAN_ENV))
        throw new ConfigError(
          `invalid environment:\n  NEXUS_BOT_DRY_RUN (dryRun): expected true, false, 1 or 0, got "${value}"`,
        );
      setPath(raw, path, BOOLEAN_ENV[value]);
    } else if (name === 'NEXUS_BOT_ROLES')
      setPath(
        raw,
        path,
        value.split(',').map((role) => role.trim()),
      );
    else setPath(raw, path, value);
  }
  return parseWorkerConfig(raw, file ? `config (${file})` : 'config');
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}
