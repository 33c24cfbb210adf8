/**
 * The log masks phone numbers wherever they sit: in the message, in fields, and inside errors
 * logged under any key (the Temporal SDK logs a failed activity's error as `error`, and a failed
 * drizzle query carries its parameters). Run in a child process, as the api and worker log: to stdout.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

const root = path.join(__dirname, '..');
const PHONE = '+14152000927';

const script = `
const { createLog, problemsTo } = require('./services/log');
const log = createLog('worker', { LOG_FORMAT: process.env.LOG_FORMAT, LOG_LEVEL: 'INFO' });
const failed = Object.assign(new Error('Failed query: select phone from opt_outs where phone = $2'), { query: 'select', params: ['default', '${PHONE}'], cause: new Error('to ${PHONE}: CONNECTION_CLOSED') });
log.warn({ error: failed, activity: 'dial' }, 'Activity failed');
log.error({ err: failed }, 'calling ${PHONE} failed');
problemsTo(log)('inbox: a round failed', failed);
log.info({ nested: { list: [{ to: '${PHONE}' }] } }, 'deep');
`;

for (const format of ['json', 'pretty']) {
  test(`no phone number in clear in a ${format} log, errors under any key included`, async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env: { ...process.env, LOG_FORMAT: format } }, (err, stdout, stderr) => (err ? reject(err) : resolve(stdout + stderr))),
    );
    assert.match(out, /Activity failed/);
    assert.ok(!out.includes(PHONE) && !out.includes(PHONE.slice(1)), `a number in clear:\n${out}`);
    assert.match(out, /\+1 415\*{4}0927/, 'masked, not dropped');
  });
}
