// Worker roles (issue 14): the config field, which queues a process polls, and which activities
// each of its Workers registers.
import assert from 'node:assert/strict';
import { ConfigError, loadWorkerConfig, parseWorkerConfig } from '../../worker/config';
import { activitiesFor, rolePlan, roleQueues } from '../../worker/role-workers';
import { SALT_ACTIVITIES, WRITER_ACTIVITIES, activityRole, roleTaskQueue } from '../../temporal-config/task-queues';
import { createActivities } from '../../activities';

describe('worker roles', () => {
  it('defaults to every role, so that one worker alone serves every queue', () => {
    assert.deepEqual(parseWorkerConfig({}).roles, ['general', 'writer', 'salt']);
  });

  it('names a bad role, an empty list and a repeated role', () => {
    const problem = (roles: unknown) => {
      try {
        parseWorkerConfig({ roles });
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.message;
      }
      return assert.fail('accepted');
    };
    assert.match(problem(['general', 'signer']), /^ {2}roles\.1: expected roles among general, writer, salt$/m);
    assert.match(problem([]), /^ {2}roles: expected at least one role$/m);
    assert.match(problem(['salt', 'salt']), /^ {2}roles: expected each role once$/m);
  });

  it('reads NEXUS_BOT_ROLES as a comma-separated list', () => {
    assert.deepEqual(loadWorkerConfig({ NEXUS_BOT_ROLES: 'general, salt' }).roles, ['general', 'salt']);
    assert.throws(() => loadWorkerConfig({ NEXUS_BOT_ROLES: 'general,owner' }), /roles\.1: expected roles among/);
  });

  it('names the role queues after the general one', () => {
    assert.deepEqual(roleQueues('nexus-bot', ['general', 'writer', 'salt']), [
      { role: 'general', taskQueue: 'nexus-bot' },
      { role: 'writer', taskQueue: 'nexus-bot-chain-writer' },
      { role: 'salt', taskQueue: 'nexus-bot-salt' },
    ]);
  });

  it('a worker without the salt does not poll the salt queue, and says why', () => {
    assert.deepEqual(rolePlan(['general', 'writer', 'salt'], true), { polled: ['general', 'writer', 'salt'] });
    assert.deepEqual(rolePlan(['general', 'writer', 'salt'], false), {
      polled: ['general', 'writer'],
      skipped: 'salt',
    });
    assert.deepEqual(rolePlan(['general'], false), { polled: ['general'] });
  });

  it('every activity that sends from the bot key is a writer activity; those that read the mnemonic, salt ones', () => {
    assert.equal(activityRole('submitDeposits'), 'writer');
    // The batch registrations send from the bot key too (issue 15, item 3).
    assert.equal(activityRole('registerMnemonicKeysharesBatch'), 'writer');
    assert.equal(activityRole('registerDkgKeysharesBatch'), 'writer');
    assert.equal(activityRole('prepareMnemonicValidators'), 'salt');
    assert.equal(activityRole('readRollup'), 'general');
    assert.equal(roleTaskQueue('q', 'general'), 'q');
    // The Workers of a general-only process register neither kind.
    const all = createActivities({ workerName: 'roles-test' });
    const general = Object.keys(activitiesFor(all, ['general']));
    for (const name of [...WRITER_ACTIVITIES, ...SALT_ACTIVITIES])
      assert.ok(!general.includes(name), `${name} on a general-only worker`);
    assert.deepEqual(Object.keys(activitiesFor(all, ['writer'])).sort(), [
      'notifyExitBalanceTransferred',
      'submitValidatorExit',
    ]);
  });
});
