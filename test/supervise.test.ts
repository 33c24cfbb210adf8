/** `npm start`'s supervisor: when a crashed part is restarted, how long it waits, and when it gives up. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { emptyHistory, planRestart, Supervisor, type CrashHistory, type RestartPolicy, type Unit } from '../scripts/lib/supervise';
import { isRunning } from '../scripts/lib/proc';
import { nodeUnit } from '../scripts/lib/units';

describe('planRestart', () => {
  /** Crashes at the given times (ms), each `uptime` after its restart; the plans in order. */
  function crashAt(times: number[], uptime: number) {
    let h: CrashHistory = emptyHistory();
    return times.map((t) => {
      const plan = planRestart(h, t, t - uptime);
      h = plan.history;
      return plan;
    });
  }

  test('doubles the delay from 0.5 s while a part keeps crashing, and gives up at the 5th crash within 60 s', () => {
    const plans = crashAt([0, 2_000, 5_000, 9_000, 15_000], 1_000);
    assert.deepEqual(
      plans.slice(0, 4).map((p) => (p.action === 'restart' ? [p.delayMs, p.restart] : p.action)),
      [[500, 1], [1_000, 2], [2_000, 3], [4_000, 4]],
    );
    assert.equal(plans[4]!.action, 'give-up');
  });

  test('a slower crash loop is backed off up to 30 s and never given up', () => {
    const times = Array.from({ length: 12 }, (_, i) => i * 25_000);
    const plans = crashAt(times, 20_000);
    assert.ok(plans.every((p) => p.action === 'restart'));
    assert.deepEqual(
      plans.map((p) => (p.action === 'restart' ? p.delayMs : 0)),
      [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000, 30_000, 30_000],
    );
  });

  test('a part that ran a minute starts its backoff over; crashes older than the window are forgotten', () => {
    const [, second] = crashAt([0, 1_000], 500);
    const after = planRestart(second!.history, 200_000, 100_000);
    assert.deepEqual(after.action === 'restart' && [after.delayMs, after.restart], [500, 3]);
    const late = planRestart({ crashes: [0, 1, 2, 3], consecutive: 4, restarts: 4 }, 61_000, 60_500);
    assert.equal(late.action, 'restart', 'four crashes a minute ago do not count');
  });
});

describe('Supervisor on real processes', () => {
  const fast: RestartPolicy = { initialDelayMs: 100, maxDelayMs: 400, maxCrashes: 3, windowMs: 10_000, stableMs: 10_000 };
  const script = (dir: string, code: string) => {
    const f = path.join(dir, `p${Math.random().toString(36).slice(2)}.ts`);
    fs.writeFileSync(f, code);
    return f;
  };

  test('restarts a part that exits, keeps its pid file current, and gives up once on a crash loop', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redial-supervise-'));
    const lines: string[] = [];
    const gaveUp: string[] = [];
    const sup = new Supervisor({ log: (m) => lines.push(m), pidDir: dir, policy: fast, onGiveUp: (n) => gaveUp.push(n) });
    try {
      const crashing = nodeUnit('crashy', script(dir, 'setTimeout(() => process.exit(3), 300);'), process.env);
      const steady = nodeUnit('steady', script(dir, 'setInterval(() => {}, 1000);'), process.env);
      const first = await sup.add(steady);
      await sup.add(crashing);
      const pids = new Set<number>();
      const until = Date.now() + 30_000;
      while (gaveUp.length === 0 && Date.now() < until) {
        const f = path.join(dir, 'crashy.pid');
        if (fs.existsSync(f)) pids.add(Number(fs.readFileSync(f, 'utf8')));
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(gaveUp, ['crashy']);
      assert.deepEqual(lines, [
        'crashy exited (3); restarting in 0.1 s (restart 1)',
        'crashy exited (3); restarting in 0.2 s (restart 2)',
        'crashy exited (3); 3 crashes within 10 s: giving up, stopping everything',
      ]);
      assert.equal(pids.size, 3, 'three processes ran, each with its pid file');
      assert.ok(isRunning(first!.pid!), 'the other part kept running');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(lines.length, 3, 'nothing restarts after giving up');
    } finally {
      await sup.stopAll();
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.pid')), []);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a part stopped by stopAll is not restarted, and a restart that fails counts as a crash', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redial-supervise-'));
    const lines: string[] = [];
    const sup = new Supervisor({ log: (m) => lines.push(m), policy: fast, onGiveUp: () => lines.push('gave up') });
    let starts = 0;
    const inner = nodeUnit('flaky', script(dir, 'setTimeout(() => process.exit(1), 200);'), process.env);
    // starts once, then fails to start: each failure is a crash, until the loop is given up
    const flaky: Unit = { name: 'flaky', start: () => (starts++ === 0 ? inner.start() : Promise.reject(new Error('port taken\nmore'))) };
    const steady = nodeUnit('steady', script(dir, 'setInterval(() => {}, 1000);'), process.env);
    try {
      const running = await sup.add(steady);
      await sup.add(flaky);
      const until = Date.now() + 20_000;
      while (!lines.includes('gave up') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(lines, [
        'flaky exited (1); restarting in 0.1 s (restart 1)',
        'flaky exited (failed to start: port taken); restarting in 0.2 s (restart 2)',
        'flaky exited (failed to start: port taken); 3 crashes within 10 s: giving up, stopping everything',
        'gave up',
      ]);
      await sup.stopAll();
      assert.equal(isRunning(running!.pid!), false, 'stopAll stopped it');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(lines.length, 4, 'and did not restart it');
    } finally {
      await sup.stopAll();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
