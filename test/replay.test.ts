/**
 * Running workflows keep replaying on new code: histories recorded from real runs of every
 * workflow type (test/fixtures/histories, recorded with the code of the time) replay against
 * today's workflow bundle without a non-determinism error. A change that would break a running
 * cadence, import, incident or routine fails here. Record fresh ones with
 * REDIAL_RECORD_HISTORIES=<dir> npm test (test/helpers/record.ts) when a change is meant to be
 * incompatible and is versioned with patched().
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { historyFromFixture, replayOnCurrentCode } from './helpers/record';
import { quietRuntime } from './helpers/system';

const dir = path.join(__dirname, 'fixtures', 'histories');

test('recorded histories of every workflow type replay on the current code', async () => {
  quietRuntime();
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  assert.ok(files.length >= 10, `expected recorded histories in ${dir}`);
  const histories = files.map((f) => historyFromFixture(path.join(dir, f)));
  const types = new Set(histories.map((h) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name));
  for (const t of ['cadence', 'enrolImport', 'cancelCampaignCadences', 'connectRateIncident', 'interfaceIncident', 'watchdog', 'dailyMaintenance', 'weeklyMaintenance', 'monthlyMaintenance']) {
    assert.ok(types.has(t), `a recorded history of ${t}`);
  }
  const { replayed, failures } = await replayOnCurrentCode(histories);
  assert.equal(replayed, files.length);
  assert.deepEqual(failures, []);
});
