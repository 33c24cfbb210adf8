/**
 * The simulator's log, in the shape Redial's processes use (services/log.ts: level label, ISO time,
 * process, msg; pretty by default, LOG_FORMAT=json for JSON) without sharing its code: the
 * carrier stands alone. test/metrics.test.ts checks the three shapes agree.
 */
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export function createSimLog(cfg: { LOG_FORMAT: 'pretty' | 'json'; LOG_LEVEL: string }): Logger {
  const out =
    cfg.LOG_FORMAT === 'json'
      ? pino.destination({ sync: true })
      : pretty({ sync: true, colorize: process.stdout.isTTY === true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,process', messageFormat: '[{process}] {msg}' });
  return pino(
    {
      base: { process: 'sim', pid: process.pid, hostname: hostname() },
      level: cfg.LOG_LEVEL,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    out,
  );
}
