/**
 * A background loop woken by PostgreSQL (LISTEN/NOTIFY) and by a poll: the shape the inbox and
 * outbox dispatchers share. A wake during a round runs another round at once (nothing waits a
 * poll interval for a NOTIFY that came in mid-round); `stop` finishes the round in flight.
 */

export interface WokenLoop {
  /** Runs a round now (as a NOTIFY would). */
  wake(): void;
  /** Stops after the round in flight and stops listening. */
  stop(): Promise<void>;
}

export interface WokenLoopOptions {
  /** Subscribes to the wake-ups (a LISTEN); null when listening failed and the poll must serve alone. */
  listen: (wake: () => void) => Promise<{ unlisten: () => Promise<unknown> } | null>;
  /** One round; true when more work is known to be waiting (run again without sleeping). */
  round: () => Promise<boolean>;
  /** The fallback poll, between idle rounds. */
  pollMs: number;
  /** After a wake-up ends an idle wait, work arriving this soon after joins the same round. */
  gatherMs?: number;
}

export async function startWokenLoop(opts: WokenLoopOptions): Promise<WokenLoop> {
  let stopped = false;
  let pending = true; // the first round catches up on whatever was queued before we listened
  let wakeUp: (() => void) | null = null;
  const wake = () => {
    pending = true;
    wakeUp?.();
  };
  const listener = await opts.listen(wake);
  const loop = (async () => {
    while (!stopped) {
      pending = false;
      const more = await opts.round();
      if (stopped) break;
      if (more || pending) continue;
      const woken = await new Promise<boolean>((resolve) => {
        const done = (byWake: boolean) => {
          clearTimeout(timer);
          wakeUp = null;
          resolve(byWake);
        };
        const timer = setTimeout(() => done(false), opts.pollMs);
        wakeUp = () => done(true);
      });
      if (woken && !stopped && opts.gatherMs) await new Promise((r) => setTimeout(r, opts.gatherMs));
    }
  })();
  return {
    wake,
    async stop() {
      stopped = true;
      wakeUp?.();
      await loop;
      await listener?.unlisten().catch(() => undefined);
    },
  };
}
