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
import { Worker } from '@temporalio/worker';
import { historyFromFixture } from './helpers/record';
import { workflowBundle } from './helpers/env';
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
  const bundle = workflowBundle();
  const failures: string[] = [];
  let replayed = 0;
  for await (const r of Worker.runReplayHistories(bundle ? { workflowBundle: bundle } : { workflowsPath: require.resolve('../workflows') }, histories)) {
    replayed++;
    if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
  }
  assert.equal(replayed, files.length);
  assert.deepEqual(failures, []);
});
