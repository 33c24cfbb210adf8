/**
 * What the benchmarks read about processes and files (Linux /proc), how they print figures, and the
 * load generator's pool. Shared by `npm run bench` and `npm run bench:cold`.
 */
import fs from 'node:fs';
import { zoneAtLocalHour } from '../../../domain/local-time';

export const log = (m: string) => console.log(`[bench] ${m}`);

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

export const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function childPids(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function rssKb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  } catch {
    return NaN; // gone
  }
}

/** RSS of a process and all its descendants (tsx runs node as a child). */
export function treeRssKb(pid: number | undefined): number {
  if (!pid) return NaN;
  let total = rssKb(pid);
  for (const child of childPids(pid)) total += treeRssKb(child);
  return total;
}

/** CPU seconds used so far by this process (the simulator and the load generator). */
export function ownCpuSec(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU seconds (user + system) used so far by a process and its descendants. */
export function treeCpuSec(pid: number | undefined): number {
  if (!pid) return NaN;
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  let total = (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  for (const child of childPids(pid)) total += treeCpuSec(child);
  return total;
}

/** Bytes on disk of a SQLite database: the file, its write-ahead log and shared memory. */
export function sqliteBytes(file: string): number {
  let total = 0;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      total += fs.statSync(f).blocks * 512;
    } catch {
      /* not there (yet) */
    }
  }
  return total;
}

/** The machine's 1-minute load average, as `uptime` prints it: a figure means little beside other work. */
export const loadAverage = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(', ');

export const zoneAtHour = (hour: number) => zoneAtLocalHour(hour, Date.now());

/** Runs `fn` over `items` with at most `n` at once (the load generator's concurrency). */
export async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>) {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}
