// The DynamoDB table of the shared key index store (index-store-dynamodb.ts): its one shape, its
// creation by a set-up command, and the check a worker makes at start.
//
// Why a set-up command creates it and the worker never does: the table holds what re-derives every
// deposited key, so it is created once, on purpose, with deletion protection and point-in-time
// recovery (35 days of restorable history: the backup), and the workers need no CreateTable
// permission. A worker whose table is missing or has another key schema refuses to start, naming
// the command (`nexus-bot mnemonic create-index-table`), rather than creating an empty table that
// would read as "no rollup has allocated anything".
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateContinuousBackupsCommand,
  waitUntilTableExists,
  type DescribeTableCommandOutput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TypedError } from '../typed-failure';

/** Partition key: `rollup#<admin>`; sort key: `head`, `alloc#<request>`, `pubkeys#<request>#<chunk>`. */
export const INDEX_TABLE_KEYS = { partition: 'pk', sort: 'sk' } as const;

export const CREATE_INDEX_TABLE_HINT =
  'create it with `nexus-bot mnemonic create-index-table --config <worker config>` (or --table <name>)';

/** The table is missing or is not an index table (a set-up problem, not a retryable outage). */
export class IndexTableError extends TypedError {
  override readonly name = 'IndexTableError';
}

/** Checks that `table` exists, is ACTIVE-able and has the index store's key schema. */
export async function verifyIndexTable(client: DynamoDBClient, table: string): Promise<void> {
  let described: DescribeTableCommandOutput;
  try {
    described = await client.send(new DescribeTableCommand({ TableName: table }));
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') {
      throw new IndexTableError(
        `the key index DynamoDB table ${table} does not exist (region ${await regionOf(client)}): ${CREATE_INDEX_TABLE_HINT}`,
      );
    }
    throw err;
  }
  const problem = schemaProblem(described);
  if (problem)
    throw new IndexTableError(
      `DynamoDB table ${table} is not a key index table (${problem}); use another table name, or ${CREATE_INDEX_TABLE_HINT}`,
    );
}

/**
 * Creates the table (on-demand capacity, deletion protection, point-in-time recovery) and waits
 * until it is ACTIVE. An existing table of the right shape is left as it is: 'exists'.
 */
export async function createIndexTable(
  client: DynamoDBClient,
  table: string,
  opts: { maxWaitSeconds?: number } = {},
): Promise<'created' | 'exists'> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: INDEX_TABLE_KEYS.partition, AttributeType: 'S' },
          { AttributeName: INDEX_TABLE_KEYS.sort, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: INDEX_TABLE_KEYS.partition, KeyType: 'HASH' },
          { AttributeName: INDEX_TABLE_KEYS.sort, KeyType: 'RANGE' },
        ],
        DeletionProtectionEnabled: true,
      }),
    );
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err;
    await verifyIndexTable(client, table);
    return 'exists';
  }
  await waitUntilTableExists({ client, maxWaitTime: opts.maxWaitSeconds ?? 300 }, { TableName: table });
  await client.send(
    new UpdateContinuousBackupsCommand({
      TableName: table,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
  return 'created';
}

function schemaProblem(described: DescribeTableCommandOutput): string | undefined {
  const keys = described.Table?.KeySchema ?? [];
  const types = new Map((described.Table?.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  const hash = keys.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const range = keys.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (hash !== INDEX_TABLE_KEYS.partition || range !== INDEX_TABLE_KEYS.sort) {
    return `its key is ${hash ?? 'none'}${range ? ` + ${range}` : ''}, expected ${INDEX_TABLE_KEYS.partition} (HASH) + ${INDEX_TABLE_KEYS.sort} (RANGE)`;
  }
  if (types.get(hash) !== 'S' || types.get(range) !== 'S') return 'its key attributes must be strings';
  return undefined;
}

async function regionOf(client: DynamoDBClient): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    return 'unknown';
  }
}
