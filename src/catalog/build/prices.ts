// Price conversion for the build: exact where possible, and a record of every exception so the
// script can print them and refuse to write a catalog with more than a handful.
import { convertUsdPerToken } from '../price.js';

export interface PriceNote {
  model: string;
  field: string;
  /** The value as the source wrote it. */
  source: string;
  /** What we stored, in pico-USD. */
  pico: bigint;
}

/**
 * More sub-pico prices than this fails the build: a few are a source quirk (OpenRouter's
 * Gemini Flash cache-write price is 1/12 µUSD), many would mean a unit or parsing bug.
 */
export const MAX_ROUNDED_PRICES = 24;

export class PriceConverter {
  /** Prices with digits below 1 pico-USD, rounded half-up to the nearest pico-USD. */
  readonly rounded: PriceNote[] = [];
  /** Negative sentinels (OpenRouter "-1" = price decided per request by a router), stored as 0. */
  readonly variable: PriceNote[] = [];

  /** USD per token (number or decimal string) → pico-USD; absent → 0n ("unknown"). */
  convert(value: unknown, model: string, field: string): bigint {
    if (value === undefined || value === null) return 0n;
    if (typeof value !== 'number' && typeof value !== 'string') {
      throw new Error(`${model}: ${field} is not a price: ${JSON.stringify(value)}`);
    }
    const n = Number(value);
    if (Number.isNaN(n)) throw new Error(`${model}: ${field} is not a price: ${JSON.stringify(value)}`);
    if (n < 0) {
      this.variable.push({ model, field, source: String(value), pico: 0n });
      return 0n;
    }
    const c = convertUsdPerToken(value);
    if (!c.exact) this.rounded.push({ model, field, source: String(value), pico: c.pico });
    return c.pico;
  }

  /** Throws, listing them all, when rounding stopped being an exception. */
  check(): void {
    if (this.rounded.length <= MAX_ROUNDED_PRICES) return;
    const list = this.rounded.map((r) => `  ${r.model} ${r.field} = ${r.source}`).join('\n');
    throw new Error(`${this.rounded.length} prices are not a whole number of pico-USD (limit ${MAX_ROUNDED_PRICES}):\n${list}`);
  }
}
