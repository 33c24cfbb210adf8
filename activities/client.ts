import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';

/** For activities that talk to other workflows: the worker's client, or a clear non-retryable failure. */
export function requireClient(temporal: Client | undefined): Client {
  if (!temporal) throw ApplicationFailure.nonRetryable('this worker has no Temporal client', 'Misconfigured');
  return temporal;
}
