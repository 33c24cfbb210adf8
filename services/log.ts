/**
 * Structured logs: one JSON shape for the api and the worker (the simulator keeps the same shape in
 * sim/log.ts, sharing no code): `level` (label), `time` (ISO 8601), `process`, `msg`, and where
 * there is one `reqId` (an API request), `workflowId` / `runId` / `activity` (Temporal), `err`.
 * Every string that reaches a line is passed through domain/phone.ts `redactPhones`: a number in
 * clear never leaves the process, whoever forgot to mask it. Human-readable (pino-pretty, one line
 * per entry) by default; `LOG_FORMAT=json` for log shippers (the Docker image sets it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { z } from 'zod';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { redactPhones } from '../domain/phone';

export type Log = Logger;
export type ProcessName = 'api' | 'worker';

/** The part of every entrypoint's configuration that shapes its log (parsed before anything else). */
export const logConfigShape = {
  /** pretty (one readable line per entry, the default) | json (one JSON object per line). */
  LOG_FORMAT: z.enum(['pretty', 'json']).default('pretty'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
};
export const logConfigSchema = z.object(logConfigShape);
export type LogConfig = z.infer<typeof logConfigSchema>;

/** Fields every line logged inside `withLogContext` carries (the API's request id). */
const context = new AsyncLocalStorage<Record<string, string>>();
export const withLogContext = <T>(fields: Record<string, string>, fn: () => T): T => context.run({ ...context.getStore(), ...fields }, fn);

/** Phone numbers masked in every string of a log entry, however deep (bounded: logs are small). */
function masked(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return redactPhones(v);
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  // an error under any other key than `err` (the SDK logs `error`) is serialized here, so its own
  // fields (a failed query's `params`) are masked too
  if (v instanceof Error) return masked(pino.stdSerializers.err(v), depth + 1);
  if (Array.isArray(v)) return v.map((x) => masked(x, depth + 1));
  // `err` keeps its class for pino's err serializer, which masks it (below)
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, depth === 0 && k === 'err' ? x : masked(x, depth + 1)]));
}

/** The pretty form: `12:00:01.123 INFO [api] message key=value…` on one line (tests and operators grep it). */
const prettyStream = () =>
  pretty({
    sync: true,
    colorize: process.stdout.isTTY === true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,process',
    messageFormat: '[{process}] {msg}',
  });

export function createLog(processName: ProcessName, cfg: LogConfig): Log {
  return pino(
    {
      base: { process: processName, pid: process.pid, hostname: hostname() },
      level: cfg.LOG_LEVEL,
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => context.getStore() ?? {},
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => masked(obj) as Record<string, unknown>,
      },
      serializers: { err: (e: unknown) => masked(pino.stdSerializers.err(e as Error)) },
      hooks: {
        logMethod(args, method) {
          // the message (objects are masked by formatters.log, errors by their serializer)
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactPhones(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    cfg.LOG_FORMAT === 'json' ? pino.destination({ sync: true }) : prettyStream(),
  );
}

/** The `(message, error?) => void` that services' dependencies take (dispatchers, the app's error handler). */
export const problemsTo = (log: Log) => (msg: string, err?: unknown) => (err === undefined ? log.warn(msg) : log.error({ err }, msg));

const temporalLevel: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * The Temporal SDK's logger (worker, workflow and activity logs, core's forwarded ones) on this
 * log, in the shared shape: the SDK's `workflowRunId` / `activityType` become `runId` / `activity`.
 */
export function temporalLogger(log: Log): TemporalLogger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const { workflowRunId, activityType, workflowType, workflowId, taskToken: _token, ...rest } = (meta ?? {}) as Record<string, unknown>;
    const fields = { ...rest, ...(workflowId ? { workflowId } : {}), ...(workflowRunId ? { runId: workflowRunId } : {}), ...(activityType ? { activity: activityType } : {}), ...(workflowType ? { workflowType } : {}) };
    log[temporalLevel[level]](fields, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
