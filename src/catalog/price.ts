// USD-per-token prices → integer pico-USD (1e-12 USD) per token, by string arithmetic.
//
// Source datasets carry prices as binary floats with noise (3.0001999999999996e-07 means
// 3.0002e-07) or as decimal strings with the same noise ("0.0000006000000000000001"). We round
// to 12 significant digits, which removes the noise (a double holds ~15.9 digits) without
// touching any real price (none has more than 12), then shift the decimal point by 12 places on
// the digit string. No float is ever multiplied, so 2.5e-6 is 2500000n, not 2499999n.

const PICO_EXPONENT = 12;
const SIGNIFICANT_DIGITS = 12;

/** A price that is not a whole number of pico-USD per token. */
export class NonRepresentablePriceError extends Error {
  readonly value: string;
  constructor(value: string) {
    super(`price ${value} USD/token is not a whole number of pico-USD`);
    this.name = 'NonRepresentablePriceError';
    this.value = value;
  }
}

export interface PicoConversion {
  /** The price in pico-USD per token; rounded half-up when not exact. */
  pico: bigint;
  /** False when the decimal had digits below 1 pico-USD (pico is then rounded). */
  exact: boolean;
  /** The normalised decimal the conversion used, e.g. "3.0002e-7". */
  decimal: string;
}

/**
 * The price as a decimal string at 12 significant digits with trailing zeros removed.
 * Throws on negative, NaN or infinite input: callers decide what a sentinel like -1 means.
 */
export function normalizeUsd(value: number | string): string {
  const n = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'string' && value.trim() === '') throw new RangeError('empty price');
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`not a price: ${String(value)}`);
  if (n === 0) return '0';
  const [mantissa = '', exponent] = n.toPrecision(SIGNIFICANT_DIGITS).split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return exponent === undefined ? trimmed : `${trimmed}e${Number(exponent)}`;
}

/** Converts a plain decimal string ("0.0000025", "3.0002e-7") to pico-USD exactly, or rounds. */
export function decimalToPico(decimal: string): PicoConversion {
  const m = /^(\d+)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(decimal);
  if (!m) throw new RangeError(`not a decimal: ${decimal}`);
  const intPart = m[1] ?? '0';
  const fraction = m[2] ?? '';
  const exponent = Number(m[3] ?? '0');
  const digits = BigInt(intPart + fraction);
  const shift = exponent - fraction.length + PICO_EXPONENT;
  if (shift >= 0) return { pico: digits * 10n ** BigInt(shift), exact: true, decimal };
  const divisor = 10n ** BigInt(-shift);
  const quotient = digits / divisor;
  const remainder = digits % divisor;
  // Half-up: the only rounding we ever apply, and only where the build allows it.
  const pico = remainder * 2n >= divisor ? quotient + 1n : quotient;
  return { pico, exact: remainder === 0n, decimal };
}

/** Normalises then converts; never throws for inexact values (see `exact`). */
export function convertUsdPerToken(value: number | string): PicoConversion {
  return decimalToPico(normalizeUsd(value));
}

/** Exact conversion: throws NonRepresentablePriceError when the price has sub-pico digits. */
export function usdToPico(value: number | string): bigint {
  const c = convertUsdPerToken(value);
  if (!c.exact) throw new NonRepresentablePriceError(c.decimal);
  return c.pico;
}
