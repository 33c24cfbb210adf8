/**
 * The baseline's worker, a child process of the bench like Redial's own worker, on its own task
 * queue of the same Temporal server. Default worker options, as Redial's worker has.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { baselineActivities } from './baseline-activities';
import { BASELINE_TASK_QUEUE } from './baseline-contract';

async function main() {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const client = new Client({ connection: await Connection.connect({ address }) });
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address }),
    taskQueue: BASELINE_TASK_QUEUE,
    workflowsPath: require.resolve('./baseline-workflows'),
    activities: baselineActivities(client),
  });
  const stop = () => worker.shutdown();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await worker.run();
}

if (require.main === module) {
  main().catch((err) => {
    console.error('[baseline-worker] failed:', err);
    process.exit(1);
  });
}
