// `nexus-bot search-attributes register`: the bot's custom search attributes on any Temporal server
// (a cluster, Temporal Cloud through its operator API, the dev or the Java test server), once per namespace.
import { registerSearchAttributes } from '../../temporal-config/register-search-attributes';
import { BOT_SEARCH_ATTRIBUTES } from '../../temporal-config/search-attributes';
import {
  TEMPORAL_OPTIONS,
  TEMPORAL_OPTIONS_HELP,
  UsageError,
  parseCommand,
  temporalTarget,
  withClient,
  type Out,
} from '../cli-support';

export const SEARCH_ATTRIBUTES_USAGE = `Usage: nexus-bot search-attributes register [--address <host:port>] [--namespace <name>]

Registers the bot's custom search attributes in the namespace (those already there are left alone),
so that the Web UI and \`temporal workflow list --query\` find a rollup's workflows and the batch
that holds a validator key:
${BOT_SEARCH_ATTRIBUTES.map((key) => `  ${key.name} (${key.type})`).join('\n')}
Workers refuse to start workflows with unregistered attributes, so run it once per namespace
before the first worker starts (the local network does it itself).
${TEMPORAL_OPTIONS_HELP}`;

export async function searchAttributesCommand(argv: string[], out: Out): Promise<void> {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === '-h' || subcommand === '--help') {
    out(SEARCH_ATTRIBUTES_USAGE);
    return;
  }
  if (subcommand !== 'register')
    throw new UsageError(`unknown subcommand "${subcommand}"\n\n${SEARCH_ATTRIBUTES_USAGE}`);
  const parsed = parseCommand(SEARCH_ATTRIBUTES_USAGE, rest, TEMPORAL_OPTIONS, out);
  if (!parsed) return;
  const target = temporalTarget(parsed.values);
  await withClient(target, async (_client, connection) => {
    const added = await registerSearchAttributes(connection, target.temporal.namespace);
    out(
      added.length > 0
        ? `registered in namespace ${target.temporal.namespace}: ${added.join(', ')}`
        : `all ${BOT_SEARCH_ATTRIBUTES.length} search attributes were already registered in namespace ${target.temporal.namespace}`,
    );
  });
}
