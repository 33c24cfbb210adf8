/**
 * The worker's metrics on its own port (REDIAL_WORKER_METRICS_PORT, default 9464; host
 * REDIAL_WORKER_METRICS_HOST): Redial's (services/metrics.ts: what the worker counts, and the
 * disk free of the data and recordings volumes) and, appended, the Temporal SDK's own (task slots,
 * poll and schedule latencies, sticky cache, activity and workflow task failures).
 *
 * The SDK's Prometheus exporter binds an address of its own, and a Temporal runtime is installed
 * once per process: it is given a free loopback port picked just before, and our /metrics reads
 * it from there. Neither can stop a worker from starting: a port already taken (a second worker
 * on the machine, a test next to another) is a warning, and the worker runs without that part.
 */
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { freePort, listen, type Listening } from '../services/listen';
import { temporalLogger, type Log } from '../services/log';
import { metricsText, refreshDiskGauges } from '../services/metrics';

/**
 * Installs the Temporal runtime: its logs on ours, its metrics on a free loopback port. Returns the
 * exporter's URL, or null when it could not bind (the runtime is then installed without it).
 */
export async function installRuntime(log: Log, opts: { sdkMetrics: boolean }): Promise<string | null> {
  const logger = temporalLogger(log);
  // core's own logs (connection, polling errors) come through the same logger
  const logging = { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) };
  if (opts.sdkMetrics) {
    const address = `127.0.0.1:${await freePort()}`;
    try {
      Runtime.install({ logger, telemetryOptions: { logging, metrics: { prometheus: { bindAddress: address, useSecondsForDurations: true } } } });
      return `http://${address}/metrics`;
    } catch (err) {
      log.warn({ err }, `Temporal SDK metrics not exported: ${(err as Error).message}`);
    }
  }
  Runtime.install({ logger, telemetryOptions: { logging } });
  return null;
}

/** What GET /metrics answers: Redial's series, then the SDK's (left out, with a comment, when it does not answer). */
async function exposition(sdkUrl: string | null, volumes: Record<string, string>): Promise<Response> {
  await refreshDiskGauges(volumes);
  const ours = await metricsText();
  let sdk = '';
  if (sdkUrl) {
    sdk = await fetch(sdkUrl, { signal: AbortSignal.timeout(2000) })
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .catch((err: Error) => `# Temporal SDK metrics unavailable: ${err.message}\n`);
  }
  return new Response(ours.text + (sdk && !ours.text.endsWith('\n') ? '\n' : '') + sdk, { headers: { 'content-type': ours.contentType } });
}

/** Serves /metrics; a port that cannot be bound is logged and the worker goes on without it. */
export async function serveWorkerMetrics(log: Log, opts: { port: number; host: string; sdkUrl: string | null; volumes: Record<string, string> }): Promise<Listening | null> {
  const handler = (req: Request) => (new URL(req.url).pathname === '/metrics' && req.method === 'GET' ? exposition(opts.sdkUrl, opts.volumes) : new Response('not found\n', { status: 404 }));
  try {
    const server = await listen(handler, opts.port, opts.host);
    log.info(`metrics on ${server.url}/metrics${opts.sdkUrl ? ' (with the Temporal SDK metrics)' : ''}`);
    return server;
  } catch (err) {
    log.warn({ err }, `metrics not served: ${opts.host}:${opts.port} cannot be bound (${(err as Error).message}); the worker runs on without them`);
    return null;
  }
}
