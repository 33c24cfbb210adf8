import { z } from 'zod';

export const workerConfigSchema = z.object({
  DATABASE_URL: z.string().url(),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** Where the carrier reaches the API's webhooks (status callbacks, TwiML). */
  REDIAL_PUBLIC_URL: z.string().url().default('http://127.0.0.1:8080'),
  /** The carrier API origin: the simulator's URL; unset means real Twilio. */
  TWILIO_API_BASE_URL: z.string().url().optional(),
  /**
   * Workflows kept in the worker's sticky cache. Sleeping cadences beyond it are evicted and
   * replayed when they wake, so memory stays flat however many cadences sleep.
   */
  REDIAL_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1000),
});
