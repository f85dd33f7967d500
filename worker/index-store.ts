// The key-index store the worker's configuration names (mnemonic path): the folder of state files
// (keys.indexStateDir, the default) or the shared DynamoDB table (keys.indexStore), whose existence
// and shape are checked at start: a missing table stops the start with the command that creates it.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IndexStateStore } from '../activities/keys/index-state';
import type { IndexStore } from '../activities/keys/index-store';
import { DynamoDbIndexStore } from '../activities/keys/index-store-dynamodb';
import { IndexTableError, verifyIndexTable } from '../activities/keys/index-store-dynamodb-table';
import { ConfigError, type WorkerConfig } from './config';

export async function buildIndexStore(config: Pick<WorkerConfig, 'keys' | 'aws'>): Promise<IndexStore | undefined> {
  const shared = config.keys.indexStore;
  if (!shared)
    return config.keys.indexStateDir
      ? new IndexStateStore({ folder: config.keys.indexStateDir, createFolder: true })
      : undefined;
  const client = new DynamoDBClient({
    region: shared.region ?? config.aws?.region,
    endpoint: shared.endpoint ?? config.aws?.endpoint,
  });
  try {
    await verifyIndexTable(client, shared.table);
  } catch (err) {
    client.destroy();
    if (err instanceof IndexTableError)
      throw new ConfigError(`invalid config:\n  keys.indexStore.table: ${err.message}`);
    throw err;
  }
  return new DynamoDbIndexStore({ client, table: shared.table });
}
