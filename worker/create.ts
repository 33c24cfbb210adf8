/** Builds a worker from real clients; used by worker/main.ts and by the system tests. */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { TASK_QUEUE } from '../workflows/constants';
import { dataConverterOf } from '../services/payload-codec';

export const workflowsPath = require.resolve('../workflows');

export async function createWorker(opts: {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests build once); otherwise the worker bundles workflows/ itself. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxCachedWorkflows?: number;
  /** See REDIAL_WORKER_STICKY_TIMEOUT_SECONDS (worker/config.ts). */
  stickyTimeoutSeconds?: number;
}): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    activities: createActivities(opts.deps),
    // payloads are encrypted before they leave the worker (services/payload-codec.ts)
    dataConverter: dataConverterOf(opts.deps.keyring),
    ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
    ...(opts.stickyTimeoutSeconds !== undefined ? { stickyQueueScheduleToStartTimeout: `${opts.stickyTimeoutSeconds}s` } : {}),
  });
}
