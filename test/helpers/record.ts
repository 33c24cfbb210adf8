/**
 * Workflow histories for the replay test: recorded from a test run (REDIAL_RECORD_HISTORIES=<dir>
 * makes the system and time-skipping harnesses save every workflow they ran) and read back.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from './env';

const History = proto.api.history.v1.History;

export async function recordHistories(client: Client, workflowIds: string[]): Promise<void> {
  const dir = process.env.REDIAL_RECORD_HISTORIES;
  if (!dir) return;
  for (const workflowId of workflowIds) {
    const history = History.toObject(History.fromObject(await client.workflow.getHandle(workflowId).fetchHistory()), { longs: String, enums: String, bytes: String });
    fs.writeFileSync(path.join(dir, `${workflowId.replace(/[^a-zA-Z0-9_.-]/g, '_')}.json`), JSON.stringify({ workflowId, history }));
  }
}

export function historyFromFixture(file: string) {
  const { workflowId, history } = JSON.parse(fs.readFileSync(file, 'utf8')) as { workflowId: string; history: object };
  return { workflowId, history: History.fromObject(history) };
}

/** Replays histories on today's workflow code (the suite's bundle when built); how many replayed and which failed. */
export async function replayOnCurrentCode(histories: Parameters<typeof Worker.runReplayHistories>[1]): Promise<{ replayed: number; failures: string[] }> {
  const bundle = workflowBundle();
  const failures: string[] = [];
  let replayed = 0;
  for await (const r of Worker.runReplayHistories(bundle ? { workflowBundle: bundle } : { workflowsPath: require.resolve('../../workflows') }, histories)) {
    replayed++;
    if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
  }
  return { replayed, failures };
}
