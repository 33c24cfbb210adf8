/**
 * When a carrier line is failed over and when it is trusted again (hysteresis: fail at ≥10% carrier
 * failures, recover only after clean probes). activities/line-selection.ts applies it to the lines.
 */
export interface FailoverPolicy {
  /** The rolling window line health is computed over: at most `windowCalls` calls of the last `windowMs`. */
  windowMs: number;
  windowCalls: number;
  /** Fewer calls than this in the window say nothing about a line. */
  minSamples: number;
  /** Failure rate at which a line is failed over (DESIGN.md: 10%). */
  failAt: number;
  /** A failed line gets one probe call this often. */
  probeEveryMs: number;
  /** Probes since the failure, all clean, before the line is active again. */
  probesToRecover: number;
  /**
   * A line the daily routine closed (connect rate under 85% over a day) is left alone this long
   * before its first probe: a bad day on a route does not mend in seconds, and probing at once
   * would put customers' calls back on it. Then it is probed like a failed line
   * (domain/line-service.ts judges its probes by connect rate).
   */
  closedCoolDownMs: number;
}

export const defaultFailover: FailoverPolicy = { windowMs: 5 * 60_000, windowCalls: 50, minSamples: 10, failAt: 0.1, probeEveryMs: 15_000, probesToRecover: 3, closedCoolDownMs: 2 * 3600_000 };

/** A line's recent health: calls in the window and how many failed at the carrier. */
export interface LineSample {
  calls: number;
  failures: number;
  failureRate: number;
}

/** Enough calls in the window, and too many of them failed: move the line's traffic on. */
export const shouldFailOver = (h: LineSample, p: FailoverPolicy) => h.calls >= p.minSamples && h.failureRate >= p.failAt;

/** Every probe since the failure went through: the line is active again. */
export const hasRecovered = (probes: Pick<LineSample, 'calls' | 'failures'>, p: FailoverPolicy) => probes.calls === p.probesToRecover && probes.failures === 0;
