/**
 * GTIN (UPC/EAN) normalising and check-digit validation, after the GS1 General Specifications
 * §7.9 (check digit calculation).
 */

export type GtinKind = 'GTIN-8' | 'UPC-A' | 'EAN-13' | 'GTIN-14';

export interface NormalisedGtin {
  /** The digits only, 8, 12, 13 or 14 of them (an 11-digit value is padded to 12). */
  readonly digits: string;
  /** Whether the last digit is the GS1 check digit of the others. */
  readonly valid: boolean;
  /** The format the length implies. */
  readonly kind: GtinKind;
  /** True when the value had 11 digits: a UPC-A whose leading zero a spreadsheet or a number type dropped. */
  readonly paddedLeadingZero: boolean;
}

const KIND_BY_LENGTH: Readonly<Record<number, GtinKind>> = {
  8: 'GTIN-8',
  12: 'UPC-A',
  13: 'EAN-13',
  14: 'GTIN-14',
};

/**
 * The GS1 check digit of a GTIN body (every digit but the check digit): weights 3 and 1 alternate
 * from the rightmost body digit, and the check digit brings the sum to a multiple of ten.
 * Throws a RangeError when the body is not made of digits, which only a programming error produces.
 */
export function gtinCheckDigit(body: string): number {
  if (!/^\d+$/u.test(body)) throw new RangeError(`GTIN body must be digits, got ${JSON.stringify(body)}`);
  let sum = 0;
  for (let offset = 0; offset < body.length; offset += 1) {
    const digit = body.charCodeAt(body.length - 1 - offset) - 48;
    sum += offset % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * Reads a GTIN from a string or a number: spaces and dashes are removed (`0 50375 00663 3`), an
 * 11-digit value gets back the leading zero it lost (`46677603441` → `046677603441`), and the
 * check digit is verified. Anything that is not 8, 11, 12, 13 or 14 digits → null.
 */
export function normaliseGtin(raw: unknown): NormalisedGtin | null {
  let written: string;
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw) || raw < 0) return null;
    written = String(raw);
  } else if (typeof raw === 'string') {
    written = raw.replace(/[\s\-\u2010-\u2014]/gu, '');
  } else {
    return null;
  }
  if (!/^\d+$/u.test(written)) return null;
  const paddedLeadingZero = written.length === 11;
  const digits = paddedLeadingZero ? `0${written}` : written;
  const kind = KIND_BY_LENGTH[digits.length];
  if (kind === undefined) return null;
  const valid = gtinCheckDigit(digits.slice(0, -1)) === Number(digits.slice(-1));
  return { digits, valid, kind, paddedLeadingZero };
}
