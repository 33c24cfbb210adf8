/**
 * `npm start`'s supervisor: each part it runs (PostgreSQL, the Temporal dev server, the simulator,
 * the api, the worker) is restarted when it exits on its own, after a delay that doubles while it
 * keeps crashing, so one crash does not take the rest down. Only a crash loop gives up.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface RestartPolicy {
  /** The delay before the first restart; it doubles with each crash that follows soon after. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** This many crashes of one part within windowMs is a crash loop: give up. */
  maxCrashes: number;
  windowMs: number;
  /** A part that ran this long before crashing starts its backoff over. */
  stableMs: number;
}

export const defaultRestartPolicy: RestartPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, maxCrashes: 5, windowMs: 60_000, stableMs: 60_000 };

export interface CrashHistory {
  /** When each recent crash happened (ms). */
  crashes: number[];
  /** Crashes in a row, each soon after its restart. */
  consecutive: number;
  /** Restarts so far, for the log. */
  restarts: number;
}

export const emptyHistory = (): CrashHistory => ({ crashes: [], consecutive: 0, restarts: 0 });

export type RestartPlan = { action: 'restart'; delayMs: number; restart: number; history: CrashHistory } | { action: 'give-up'; crashes: number; history: CrashHistory };

/** What to do when a part crashed at `now` after running since `startedAt`. */
export function planRestart(history: CrashHistory, now: number, startedAt: number, policy: RestartPolicy = defaultRestartPolicy): RestartPlan {
  const crashes = [...history.crashes.filter((t) => t > now - policy.windowMs), now];
  const consecutive = now - startedAt >= policy.stableMs ? 1 : history.consecutive + 1;
  if (crashes.length >= policy.maxCrashes) return { action: 'give-up', crashes: crashes.length, history: { crashes, consecutive, restarts: history.restarts } };
  const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (consecutive - 1));
  const restart = history.restarts + 1;
  return { action: 'restart', delayMs, restart, history: { crashes, consecutive, restarts: restart } };
}

/** One started instance of a part. */
export interface Running {
  pid?: number;
  /** Resolves with why it ended (`SIGKILL`, an exit code, `process 123 gone`) when it ends without stop(). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface Unit {
  name: string;
  start(): Promise<Running>;
}

interface Entry {
  unit: Unit;
  running?: Running;
  /** A (re)start in progress: stopAll waits for it, then stops what it started. */
  starting?: Promise<void>;
  startedAt: number;
  history: CrashHistory;
  timer?: NodeJS.Timeout;
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

export class Supervisor {
  private readonly entries: Entry[] = [];
  private stopping = false;

  constructor(
    private readonly opts: {
      log: (m: string) => void;
      /** Called once when a part crash-loops; the caller stops everything. */
      onGiveUp: (name: string) => void;
      /** `<name>.pid` for each running part is kept here. */
      pidDir?: string;
      policy?: RestartPolicy;
    },
  ) {
    if (opts.pidDir) fs.mkdirSync(opts.pidDir, { recursive: true });
  }

  /** Starts a part for the first time; a failure here is thrown (nothing to fall back to yet). */
  async add(unit: Unit): Promise<Running | undefined> {
    if (this.stopping) return undefined;
    const entry: Entry = { unit, startedAt: Date.now(), history: emptyHistory() };
    this.entries.push(entry);
    await this.launch(entry);
    return entry.running;
  }

  /** Stops every part, the last added first (the worker before what it depends on); nothing restarts after this. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const e of [...this.entries].reverse()) {
      clearTimeout(e.timer);
      await e.starting?.catch(() => undefined);
      await e.running?.stop().catch((err: Error) => this.opts.log(`${e.unit.name} stop: ${err.message}`));
      this.removePid(e.unit.name);
    }
  }

  private launch(entry: Entry): Promise<void> {
    const launching = this.startOnce(entry);
    entry.starting = launching;
    return launching.finally(() => {
      if (entry.starting === launching) entry.starting = undefined;
    });
  }

  private async startOnce(entry: Entry): Promise<void> {
    entry.startedAt = Date.now(); // a start that fails counts as a crash right after it
    const running = await entry.unit.start();
    entry.running = running;
    entry.startedAt = Date.now();
    if (this.stopping) return; // stopAll stops it
    this.writePid(entry.unit.name, running.pid);
    void running.exited.then((why) => {
      if (entry.running !== running || this.stopping) return;
      entry.running = undefined;
      this.removePid(entry.unit.name);
      this.crashed(entry, why);
    });
  }

  private crashed(entry: Entry, why: string) {
    const { name } = entry.unit;
    const plan = planRestart(entry.history, Date.now(), entry.startedAt, this.opts.policy);
    entry.history = plan.history;
    if (plan.action === 'give-up') {
      this.opts.log(`${name} exited (${why}); ${plan.crashes} crashes within ${seconds((this.opts.policy ?? defaultRestartPolicy).windowMs)}: giving up, stopping everything`);
      this.opts.onGiveUp(name);
      return;
    }
    this.opts.log(`${name} exited (${why}); restarting in ${seconds(plan.delayMs)} (restart ${plan.restart})`);
    entry.timer = setTimeout(() => {
      if (this.stopping) return;
      this.launch(entry).catch((err: Error) => {
        // a restart that fails (the port still taken, the server refusing) counts as another crash
        if (!this.stopping) this.crashed(entry, `failed to start: ${err.message.split('\n')[0]}`);
      });
    }, plan.delayMs);
  }

  private writePid(name: string, pid: number | undefined) {
    if (this.opts.pidDir && pid) fs.writeFileSync(path.join(this.opts.pidDir, `${name}.pid`), `${pid}\n`);
  }

  private removePid(name: string) {
    if (this.opts.pidDir) fs.rmSync(path.join(this.opts.pidDir, `${name}.pid`), { force: true });
  }
}
