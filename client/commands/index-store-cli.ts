// Which key index store a `nexus-bot mnemonic` command reads or writes: the worker's folder of
// state files (--index-state, keys.indexStateDir) or its DynamoDB table (--index-table,
// keys.indexStore); flags override the worker configuration. Also `mnemonic create-index-table`,
// the set-up command that creates the table (activities/keys/index-store-dynamodb-table.ts says
// why the worker never creates it).
import { promises as fs } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IndexStateStore } from '../../activities/keys/index-state';
import type { IndexStore } from '../../activities/keys/index-store';
import { DynamoDbIndexStore } from '../../activities/keys/index-store-dynamodb';
import { createIndexTable, IndexTableError, verifyIndexTable } from '../../activities/keys/index-store-dynamodb-table';
import { loadWorkerConfig, type WorkerConfig } from '../../worker/config';
import { UsageError } from '../cli-support';
import { awsOptions, describeAwsFailure, parseOrExplain, type AwsOptions } from './mnemonic-support';

export const INDEX_STORE_OPTIONS = `  --index-state <folder>  the worker's index state folder (one <rollupAdmin>.json per rollup)
  --index-table <table>   or the worker's key index DynamoDB table (keys.indexStore); its region and
                          endpoint: --aws-region/--aws-endpoint, else keys.indexStore, else aws`;

export type IndexStoreChoice =
  { kind: 'file'; folder: string } | { kind: 'dynamodb'; table: string; region?: string; endpoint?: string };

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** The store the flags name, else the configuration's; undefined when neither names one. */
export function chooseIndexStore(
  flags: { indexState?: string; indexTable?: string },
  config: WorkerConfig | undefined,
): IndexStoreChoice | undefined {
  if (flags.indexState !== undefined && flags.indexTable !== undefined)
    throw new UsageError('--index-state and --index-table name two stores: pass one');
  if (flags.indexState !== undefined) {
    if (flags.indexState === '') throw new UsageError('--index-state: expected a folder path');
    return { kind: 'file', folder: flags.indexState };
  }
  if (flags.indexTable !== undefined) {
    if (!TABLE_NAME.test(flags.indexTable))
      throw new UsageError(
        `--index-table: "${flags.indexTable}" is not a DynamoDB table name (3-255 letters, digits, _ . -)`,
      );
    return { kind: 'dynamodb', table: flags.indexTable, region: config?.aws?.region, endpoint: config?.aws?.endpoint };
  }
  const shared = config?.keys.indexStore;
  if (shared)
    return {
      kind: 'dynamodb',
      table: shared.table,
      region: shared.region ?? config?.aws?.region,
      endpoint: shared.endpoint ?? config?.aws?.endpoint,
    };
  if (config?.keys.indexStateDir) return { kind: 'file', folder: config.keys.indexStateDir };
  return undefined;
}

export interface OpenedIndexStore {
  store: IndexStore;
  /** For messages: "folder …", "DynamoDB table … (region …)". */
  where: string;
  close(): void;
}

/**
 * Opens the store after checking it is there (a wrong folder or a missing table is reported before
 * the chain is read or anyone is asked for the salt). `aws` are the command's own flags.
 */
export async function openIndexStore(
  choice: IndexStoreChoice,
  aws: { region?: string; endpoint?: string },
): Promise<OpenedIndexStore> {
  if (choice.kind === 'file') {
    const st = await fs.stat(choice.folder).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`--index-state: cannot use folder ${choice.folder} (${err.code ?? 'error'})`);
    });
    if (!st.isDirectory()) throw new Error(`--index-state: ${choice.folder} is not a folder`);
    return {
      store: new IndexStateStore({ folder: choice.folder }),
      where: `folder ${choice.folder}`,
      close: () => undefined,
    };
  }
  const opts = awsOptions(aws.region ?? choice.region, aws.endpoint ?? choice.endpoint);
  const client = new DynamoDBClient({
    region: opts.region,
    ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
  });
  const where = `DynamoDB table ${choice.table} (${opts.endpoint === undefined ? '' : `${opts.endpoint}, `}region ${opts.region})`;
  try {
    await dynamoCall({ ...opts, where }, () => verifyIndexTable(client, choice.table));
  } catch (err) {
    client.destroy();
    throw err;
  }
  return { store: new DynamoDbIndexStore({ client, table: choice.table }), where, close: () => client.destroy() };
}

export const CREATE_INDEX_TABLE_USAGE = `Usage: nexus-bot mnemonic create-index-table [--config <file>] [--table <name>] [--aws-region <region>] [--aws-endpoint <url>]

Creates the DynamoDB table that holds the key index state of workers on several hosts
(keys.indexStore: {"kind": "dynamodb", "table": …}): on-demand capacity, deletion protection and
point-in-time recovery (the backup: any second of the last 35 days can be restored). Workers never
create it; one whose table is missing refuses to start. An existing table of the right shape is
left as it is.
  --config <file>         the worker's configuration: table, region and endpoint from keys.indexStore
                          (region and endpoint else from aws); the flags below override them
  --table <name>          the table name
  --aws-region <region>   DynamoDB region (default: $AWS_REGION)
  --aws-endpoint <url>    DynamoDB endpoint, e.g. moto or localstack (default: AWS's own)
                          AWS credentials come from the AWS SDK's default credential chain.
  -h, --help              this help`;

/** `nexus-bot mnemonic create-index-table …` */
export async function createIndexTableCommand(argv: string[], out: (line: string) => void): Promise<void> {
  const { values, positionals } = parseOrExplain(CREATE_INDEX_TABLE_USAGE, () =>
    parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        table: { type: 'string' },
        'aws-region': { type: 'string' },
        'aws-endpoint': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (values.help) {
    out(CREATE_INDEX_TABLE_USAGE);
    return;
  }
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${CREATE_INDEX_TABLE_USAGE}`);
  const config =
    values.config === undefined ? undefined : loadWorkerConfig({ ...process.env, NEXUS_BOT_CONFIG: values.config });
  const choice = chooseIndexStore({ indexTable: values.table }, config);
  if (choice?.kind !== 'dynamodb') {
    throw new UsageError(
      `no table: pass --table <name> or --config <worker config with keys.indexStore>\n\n${CREATE_INDEX_TABLE_USAGE}`,
    );
  }
  const opts = awsOptions(values['aws-region'] ?? choice.region, values['aws-endpoint'] ?? choice.endpoint);
  const client = new DynamoDBClient({
    region: opts.region,
    ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
  });
  const where = `DynamoDB table ${choice.table} (${opts.endpoint === undefined ? '' : `${opts.endpoint}, `}region ${opts.region})`;
  try {
    const result = await dynamoCall({ ...opts, where }, () => createIndexTable(client, choice.table));
    out(
      result === 'created'
        ? `created ${where}: on-demand, deletion protection and point-in-time recovery on`
        : `${where} exists already with the key index schema: left as it is`,
    );
  } finally {
    client.destroy();
  }
}

/** A table problem passes as it is; an AWS SDK failure (credentials, network, access) says where it happened. */
async function dynamoCall<T>(aws: AwsOptions, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof IndexTableError) throw err;
    return describeAwsFailure(aws, () => Promise.reject(err as Error));
  }
}
