/** The compressed clock: simulated seconds played out in real time scaled by the state's timeScale. */
import type { SimCall, SimState } from './state';

export const sleep = (state: SimState, virtualSec: number) => new Promise((r) => setTimeout(r, Math.max(0, virtualSec * 1000 * state.timeScale)));

export class HungUp extends Error {}

/** Simulated time passing on a call; a hang-up requested meanwhile ends the call there. */
export const step = async (state: SimState, call: SimCall, virtualSec: number) => {
  // in slices of at most 100 ms real time, so a hang-up lands promptly
  const until = Date.now() + Math.max(0, virtualSec * 1000 * state.timeScale);
  for (;;) {
    if (call.hangup) throw new HungUp();
    const left = until - Date.now();
    if (left <= 0) return;
    await new Promise((r) => setTimeout(r, Math.min(left, 100)));
  }
};
