/**
 * Workflow histories for the replay test: recorded from a test run (REDIAL_RECORD_HISTORIES=<dir>
 * makes the system and time-skipping harnesses save every workflow they ran) and read back.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';

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
