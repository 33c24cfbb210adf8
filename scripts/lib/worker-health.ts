/**
 * The worker's health check (docker-compose runs it in the worker's container): healthy when a
 * worker of this host has polled Redial's task queue recently, as Temporal itself saw it. The
 * worker has no HTTP port; a live process that lost Temporal or stopped polling is unhealthy.
 * A worker's identity is `<pid>@<hostname>` (the SDK's default), and a container's hostname is its
 * own, so "this host" means this container.
 *
 *   node --import tsx scripts/lib/worker-health.ts     exit 0 healthy, 1 not
 */
import os from 'node:os';
import { Connection } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { TASK_QUEUE } from '../../workflows/constants';
import { parseConfig } from '../../services/config';
import { temporalConfigSchema, temporalConnectionOptions, type TemporalConnectionOptions } from '../../services/temporal-connection';

/** temporal.api.enums.v1.TaskQueueType (the proto package is not a runtime dependency). */
const TASK_QUEUE_TYPES = { workflow: 1, activity: 2 } as const;

/** The newest poll of the task queue by a worker whose identity passes `match`, or undefined. */
export async function lastPoll(
  opts: ({ address: string } | { connection: TemporalConnectionOptions }) & { namespace?: string; taskQueue?: string; match: (identity: string) => boolean },
): Promise<Date | undefined> {
  const connection = await Connection.connect({ ...('connection' in opts ? opts.connection : { address: opts.address }), connectTimeout: 5000 });
  try {
    let newest: Date | undefined;
    for (const taskQueueType of Object.values(TASK_QUEUE_TYPES)) {
      const res = await connection.workflowService.describeTaskQueue({ namespace: opts.namespace ?? 'default', taskQueue: { name: opts.taskQueue ?? TASK_QUEUE }, taskQueueType });
      for (const p of res.pollers ?? []) {
        const ms = optionalTsToMs(p.lastAccessTime);
        if (!p.identity || !opts.match(p.identity) || ms === undefined) continue;
        if (!newest || ms > newest.getTime()) newest = new Date(ms);
      }
    }
    return newest;
  } finally {
    await connection.close();
  }
}

/**
 * An idle worker's poll waits up to about a minute on the server before it is renewed, so a
 * healthy worker's last poll can be that old; two minutes without one is not healthy.
 */
export const MAX_POLL_AGE_MS = 120_000;

if (require.main === module) {
  const host = `@${os.hostname()}`;
  // the worker's own TEMPORAL_* settings (TLS, API key), so the check connects as the worker does
  const cfg = parseConfig(temporalConfigSchema, process.env);
  Promise.resolve()
    .then(() => lastPoll({ connection: temporalConnectionOptions(cfg), namespace: cfg.TEMPORAL_NAMESPACE, match: (id) => id.endsWith(host) }))
    .then(
      (at) => {
        const ok = at !== undefined && Date.now() - at.getTime() < MAX_POLL_AGE_MS;
        console.log(ok ? `worker polling (last poll ${at!.toISOString()})` : at ? `no poll since ${at.toISOString()}` : `no worker of ${host.slice(1)} polls task queue ${TASK_QUEUE}`);
        process.exit(ok ? 0 : 1);
      },
      (err: Error) => {
        console.log(`Temporal unreachable: ${err.message.split('\n')[0]}`);
        process.exit(1);
      },
    );
}
