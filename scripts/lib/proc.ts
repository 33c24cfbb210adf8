/**
 * What `npm start` needs to know about processes it did not spawn itself (the PostgreSQL server
 * pg_ctl daemonises, the Temporal dev server the SDK spawns, the npm that ran us), read from /proc.
 * Where there is no /proc (macOS) it falls back to signal 0, which cannot tell a zombie from a
 * live process.
 */
import fs from 'node:fs';

export interface ProcStat {
  pid: number;
  ppid: number;
  /** R, S, D, Z (zombie), T, … */
  state: string;
  /** Clock ticks after boot: with the pid, it names one process even when the pid is reused. */
  startTime: number;
}

/** undefined when the process is gone, or when there is no /proc. */
export function procStat(pid: number): ProcStat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name is in parentheses and may itself hold spaces or parentheses
    const f = text.slice(text.lastIndexOf(') ') + 2).split(' ');
    return { pid, state: f[0]!, ppid: Number(f[1]), startTime: Number(f[19]) };
  } catch {
    return undefined;
  }
}

export const hasProc = () => fs.existsSync('/proc/self/stat');

/** Running: not gone, not a zombie, and the same process as when startTime was read. */
export function isRunning(pid: number, startTime?: number): boolean {
  if (!hasProc()) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z' && (startTime === undefined || s.startTime === startTime);
}

export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** A process's environment as NAME=value entries; empty when it is gone or not ours to read. */
export function environ(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
  } catch {
    return [];
  }
}

/** Every process for which `match` holds (Linux only; empty elsewhere). */
export function pidsWhere(match: (pid: number) => boolean): number[] {
  if (!hasProc()) return [];
  return fs
    .readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && match(pid));
}

/** The direct children of a process (Linux only; empty elsewhere). */
export function childrenOf(ppid: number): Array<{ pid: number; cmdline: string }> {
  return pidsWhere((pid) => procStat(pid)?.ppid === ppid).map((pid) => ({ pid, cmdline: cmdline(pid) }));
}

/**
 * The npm (or yarn, pnpm) that ran us as its package script, or undefined when we were not run so.
 * npm hands its script's shell `npm_lifecycle_script` (the script's command), which every process
 * below inherits; the nearest ancestor without our value of it is the package manager itself.
 * Checking the value, not just its presence, skips an npm whose script merely started a program
 * that started us (`npm test` running a test that runs the start script).
 */
export function packageManagerAncestor(script: string): ProcStat | undefined {
  const ours = process.env.npm_lifecycle_script;
  if (!ours?.includes(script) || !hasProc()) return undefined;
  for (let pid = process.ppid, hops = 0; pid > 1 && hops < 8; hops++) {
    const s = procStat(pid);
    if (!s) return undefined;
    let environ: string;
    try {
      environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      return undefined; // another user's process: not one our own npm started
    }
    if (!environ.split('\0').includes(`npm_lifecycle_script=${ours}`)) return s;
    pid = s.ppid;
  }
  return undefined;
}

/** Resolves once the process is no longer running (polled); cancel() stops watching. */
export function watchPid(pid: number, intervalMs = 1000): { gone: Promise<void>; cancel(): void } {
  const startTime = procStat(pid)?.startTime;
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const gone = new Promise<void>((resolve) => {
    const check = () => {
      if (cancelled) return;
      if (!isRunning(pid, startTime)) return resolve();
      timer = setTimeout(check, intervalMs);
    };
    check();
  });
  return {
    gone,
    cancel() {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}
