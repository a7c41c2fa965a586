import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { gtinCheckDigit, normaliseGtin } from './gtin.ts';

describe('normaliseGtin', () => {
  test('real UPCs from the records', () => {
    // UPC_Manual of the InSinkErator disposer (recent-job-1).
    assert.deepEqual(normaliseGtin('050375006633'), {
      digits: '050375006633',
      valid: true,
      kind: 'UPC-A',
      paddedLeadingZero: false,
    });
    // An 11-digit UPC whose leading zero was dropped.
    assert.deepEqual(normaliseGtin('46677603441'), {
      digits: '046677603441',
      valid: true,
      kind: 'UPC-A',
      paddedLeadingZero: true,
    });
    // The Kichler fan's UPC (recent-job-5 specification table).
    assert.equal(normaliseGtin('783927044370')?.valid, true);
    // The same disposer UPC read as a number loses its zero, and gets it back.
    assert.deepEqual(normaliseGtin(50375006633), {
      digits: '050375006633',
      valid: true,
      kind: 'UPC-A',
      paddedLeadingZero: true,
    });
  });

  test('kinds by length, separators removed', () => {
    assert.equal(normaliseGtin('9638-5074')?.kind, 'GTIN-8');
    assert.equal(normaliseGtin('9638-5074')?.valid, true);
    assert.equal(normaliseGtin('0 50375 00663 3')?.digits, '050375006633');
    assert.equal(normaliseGtin('4006381333931')?.kind, 'EAN-13');
    assert.equal(normaliseGtin('4006381333931')?.valid, true);
    assert.equal(normaliseGtin('00012345600012')?.kind, 'GTIN-14');
    assert.equal(normaliseGtin('00012345600012')?.valid, true);
  });

  test('a wrong check digit is reported, not rejected', () => {
    assert.deepEqual(normaliseGtin('050375006634'), {
      digits: '050375006634',
      valid: false,
      kind: 'UPC-A',
      paddedLeadingZero: false,
    });
  });

  test('anything else is null', () => {
    for (const raw of [
      '',
      '1234567',
      '123456789',
      '1234567890',
      '123456789012345',
      'ABC123456789',
      '05037500663X',
    ]) {
      assert.equal(normaliseGtin(raw), null, raw);
    }
    for (const raw of [null, undefined, 1.5, -50375006633, Number.NaN, true, {}, ['050375006633']]) {
      assert.equal(normaliseGtin(raw), null, String(raw));
    }
  });
});

describe('gtinCheckDigit', () => {
  test('GS1 mod-10', () => {
    assert.equal(gtinCheckDigit('05037500663'), 3);
    assert.equal(gtinCheckDigit('78392704437'), 0);
    assert.equal(gtinCheckDigit('400638133393'), 1);
    assert.throws(() => gtinCheckDigit('12a'), RangeError);
  });

  const body = fc
    .constantFrom(7, 11, 12, 13)
    .chain((length) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }))
    .map((digits) => digits.join(''));

  test('property: a body with its computed check digit validates', () => {
    fc.assert(
      fc.property(body, (digits) => {
        const gtin = normaliseGtin(`${digits}${gtinCheckDigit(digits)}`);
        assert.ok(gtin !== null);
        assert.equal(gtin.valid, true);
      }),
    );
  });

  test('property: changing any single digit invalidates it', () => {
    fc.assert(
      fc.property(body, fc.nat(), fc.integer({ min: 1, max: 9 }), (digits, position, shift) => {
        const full = `${digits}${gtinCheckDigit(digits)}`;
        const index = position % full.length;
        const changed = (Number(full[index]) + shift) % 10;
        const mutated = `${full.slice(0, index)}${changed}${full.slice(index + 1)}`;
        assert.equal(normaliseGtin(mutated)?.valid, false, `${full} → ${mutated}`);
      }),
    );
  });
});
