/** What the simulator's own call log says a call meant, independently of Redial's records. */
import type { SimCall } from '../../sim/state';

/**
 * A conversion on the carrier's record: the callee pressed 1, or (a speaking callee, numbers
 * ending in 5) asked for a discount, which the default script answers with the coupon and marks
 * as interest (domain/script.ts, ecommerce `coupon`). Its other questions (price, start date,
 * call me tomorrow) are answered without a mark.
 */
export const convertedOnCarrier = (c: SimCall) => c.digits.includes('1') || c.speech.includes('is there a discount');
