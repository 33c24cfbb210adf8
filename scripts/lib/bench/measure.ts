/**
 * What the benchmarks measure with: percentiles, a process tree's CPU and memory from /proc, the
 * load generator's numbers and its concurrency pool. Shared by `npm run bench` and `npm run bench:cold`.
 */
import fs from 'node:fs';
import { zoneAtLocalHour } from '../../../domain/local-time';

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
export const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

export function rssKb(pid: number | undefined): number {
  if (!pid) return NaN;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

/** RSS of a process and all its descendants (tsx runs node as a child). */
export function treeRssKb(pid: number | undefined): number {
  if (!pid) return NaN;
  let total = rssKb(pid);
  for (const child of fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) total += treeRssKb(Number(child));
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
  for (const child of fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) total += treeCpuSec(Number(child));
  return total;
}

export const zoneAtHour = (hour: number) => zoneAtLocalHour(hour, Date.now());

/** The i-th valid North American number in an area code, ending in 7 (the simulator's "listens"). */
export const nanp = (area: string, i: number) => `+1${area}${200 + Math.floor(i / 1000)}${String((i % 1000) * 10 + 7).padStart(4, '0')}`;

export async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>) {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}
