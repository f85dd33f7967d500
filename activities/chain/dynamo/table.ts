// The DynamoDB table shared by the chain writers of a deployment: one item per lease (which also
// holds the nonce stream), one per journal record, one per taken nonce. A single string partition
// key `pk`; every write that matters is conditional (lease.ts, tx-journal.ts).
//   lease#<stream>          holder, epoch, expiresAt (ms), nextNonce
//   tx#<stream>#<key>       rec (the TxRecord as JSON), nonce, status
//   nonce#<stream>#<nonce>  key (the idempotency key that took the nonce)
// <stream> is the bot account's address (lower case): one writer, one nonce stream per account.
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';

export const leasePk = (stream: string) => `lease#${stream}`;
export const txPk = (stream: string, key: string) => `tx#${stream}#${key}`;
export const noncePk = (stream: string, nonce: number) => `nonce#${stream}#${nonce}`;

/** The stream name of a bot account. */
export const streamOf = (address: string) => address.toLowerCase();

/**
 * Creates the table (on-demand capacity) unless it exists, and waits until it is active. For the
 * local network and tests; production provisions it with its infrastructure (same key schema).
 */
export async function ensureWriterTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await sleep(200);
  }
  throw new Error(`DynamoDB table ${table} did not become ACTIVE`);
}
