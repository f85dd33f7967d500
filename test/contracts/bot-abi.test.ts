// The bot's ABI (activities/chain/abi.ts, written for the production contracts) must match what
// the local contracts offer, or the local network would test calls production does not have.
import assert from 'node:assert/strict';
import { contractInterface } from '../../contracts/artifacts';
import { BRIDGE_ABI, NEXUS_ABI, NODE_OPERATOR_ABI, SSV_NETWORK_V1_ABI } from '../../activities/chain/abi';
import { Interface } from 'ethers';

const PAIRS = [
  ['Nexus', NEXUS_ABI], ['NodeOperator', NODE_OPERATOR_ABI], ['NexusBaseBridge', BRIDGE_ABI], ['SSVNetwork', SSV_NETWORK_V1_ABI],
] as const;

describe('bot ABI against the local contracts', () => {
  for (const [name, abi] of PAIRS) {
    it(`${name} offers every function, event and error the bot uses, with the same signature`, async () => {
      const local = await contractInterface(name);
      const bot = new Interface(abi);
      bot.forEachFunction((f) => assert.ok(local.getFunction(f.selector), `${name} lacks ${f.format('full')}`));
      bot.forEachEvent((e) => assert.ok(local.getEvent(e.topicHash), `${name} lacks ${e.format('full')}`));
      bot.forEachError((e) => assert.ok(local.getError(e.selector), `${name} lacks ${e.format('full')}`));
    });
  }
});
