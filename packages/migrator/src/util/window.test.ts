import { describe, expect, it } from 'vitest';
import { MigratorError } from '../errors.js';
import { parseWindow, windowState, type WindowState } from './window.js';

/** A state with ISO strings, so a failing test shows instants people can read. */
function at(text: string, now: string): { inWindow: boolean; opensAt?: string; closesAt?: string } {
  const state: WindowState = windowState(parseWindow(text), new Date(now));
  return {
    inWindow: state.inWindow,
    ...(state.opensAt ? { opensAt: state.opensAt.toISOString() } : {}),
    ...(state.closesAt ? { closesAt: state.closesAt.toISOString() } : {}),
  };
}

function failure(text: string): { code: string; message: string; hint: string | undefined } {
  try {
    parseWindow(text);
  } catch (error) {
    if (!(error instanceof MigratorError)) throw error;
    return { code: error.code, message: error.message, hint: error.hint };
  }
  throw new Error(`parseWindow accepted ${JSON.stringify(text)}`);
}

describe('parseWindow', () => {
  it('reads a day, a range of days or daily, 24-hour times and an IANA time zone', () => {
    expect(parseWindow('Sat 02:00-04:00 Europe/Paris')).toEqual({ text: 'Sat 02:00-04:00 Europe/Paris', days: [6], startMinute: 120, endMinute: 240, timeZone: 'Europe/Paris' });
    expect(parseWindow('Mon-Fri 22:00-06:00 UTC')).toEqual({ text: 'Mon-Fri 22:00-06:00 UTC', days: [1, 2, 3, 4, 5], startMinute: 1320, endMinute: 360, timeZone: 'UTC' });
    expect(parseWindow('daily 01:00-03:00 America/New_York')).toMatchObject({ text: 'daily 01:00-03:00 America/New_York', days: [0, 1, 2, 3, 4, 5, 6] });
  });

  it('writes back a normal form whatever the spacing and case, keeping the zone name the user chose', () => {
    expect(parseWindow('  mon - fri   22:00 - 6:00  utc ').text).toBe('Mon-Fri 22:00-06:00 UTC');
    expect(parseWindow('saturday,Sun 02:00-04:00 europe/paris').text).toBe('Sun,Sat 02:00-04:00 Europe/Paris');
    expect(parseWindow('Fri-Mon 00:00-24:00 US/Eastern')).toMatchObject({ days: [0, 1, 5, 6], endMinute: 1440, timeZone: 'US/Eastern' });
    expect(parseWindow('Mon,Wed-Fri 01:00-02:00 UTC').text).toBe('Mon,Wed-Fri 01:00-02:00 UTC');
    expect(parseWindow('WEEKENDS 01:00-02:00 UTC').text).toBe('weekends 01:00-02:00 UTC');
  });

  it.each([
    ['Sat 02:00-04:00', 'no time zone after the times'],
    ['', 'expected days, times and a time zone, got nothing'],
    ['Sat 02:00 04:00 Europe/Paris', 'expected days, times and a time zone, got 4 parts'],
    ['Sta 02:00-04:00 UTC', 'unknown day "Sta"'],
    ['Mon-Mon 02:00-04:00 UTC', 'the range "Mon-Mon" starts and ends on the same day'],
    ['Mon-Wed-Fri 02:00-04:00 UTC', '"Mon-Wed-Fri" is not a day or a range of days'],
    ['Sat 2am-4am UTC', '"2am-4am" is not a time range'],
    ['Sat 25:00-26:00 UTC', '25:00 is not a time of day'],
    ['Sat 02:60-04:00 UTC', '02:60 is not a time of day'],
    ['Sat 24:00-02:00 UTC', '24:00 is not a time of day'],
    ['Sat 02:00-02:00 UTC', 'it starts and ends at 02:00'],
    ['Sat 00:00-24:00x UTC', '"00:00-24:00x" is not a time range'],
    ['Sat 02:00-04:00 Europe/Pari', 'unknown time zone "Europe/Pari"'],
    ['Sat 02:00-04:00 +01:00', 'unknown time zone "+01:00"'],
    ['Sat 02:00-04:00 EST', '"EST" is an abbreviation, not a time zone name'],
  ])('refuses %j in one line naming the part that is wrong: %s', (text, problem) => {
    const error = failure(text);
    expect(error.code).toBe('E_WINDOW');
    expect(error.message).toBe(`maintenance window "${text.trim()}": ${problem}`);
    expect(error.message).not.toContain('\n');
    expect(error.hint).toBeTruthy();
  });
});

describe('windowState', () => {
  it('is in the window between its start and its end, in the zone, with when it closes', () => {
    // 2026-03-28 is a Saturday; Paris is UTC+1 until the 29th.
    expect(at('Sat 02:00-04:00 Europe/Paris', '2026-03-28T01:30:00Z')).toEqual({ inWindow: true, closesAt: '2026-03-28T03:00:00.000Z' });
    expect(at('Sat 02:00-04:00 Europe/Paris', '2026-03-28T00:30:00Z')).toEqual({ inWindow: false, opensAt: '2026-03-28T01:00:00.000Z', closesAt: '2026-03-28T03:00:00.000Z' });
    // In summer Paris is UTC+2: the same window is an hour earlier in UTC.
    expect(at('Sat 02:00-04:00 Europe/Paris', '2026-07-04T00:30:00Z')).toEqual({ inWindow: true, closesAt: '2026-07-04T02:00:00.000Z' });
    // After it closes, the next opening is a week later.
    expect(at('Sat 02:00-04:00 Europe/Paris', '2026-07-04T02:00:00Z')).toEqual({ inWindow: false, opensAt: '2026-07-11T00:00:00.000Z', closesAt: '2026-07-11T02:00:00.000Z' });
  });

  it('opens at its first minute and is closed at its end minute', () => {
    expect(at('daily 01:00-03:00 UTC', '2026-05-05T01:00:00Z')).toEqual({ inWindow: true, closesAt: '2026-05-05T03:00:00.000Z' });
    expect(at('daily 01:00-03:00 UTC', '2026-05-05T03:00:00Z')).toEqual({ inWindow: false, opensAt: '2026-05-06T01:00:00.000Z', closesAt: '2026-05-06T03:00:00.000Z' });
    expect(at('daily 01:00-03:00 UTC', '2026-05-05T02:59:59.999Z').inWindow).toBe(true);
  });

  it('reads a window that crosses midnight as opening on the days named', () => {
    const nights = 'Mon-Fri 22:00-06:00 UTC';
    // Friday night runs into Saturday morning.
    expect(at(nights, '2026-03-27T23:00:00Z')).toEqual({ inWindow: true, closesAt: '2026-03-28T06:00:00.000Z' });
    expect(at(nights, '2026-03-28T05:59:00Z')).toEqual({ inWindow: true, closesAt: '2026-03-28T06:00:00.000Z' });
    // Monday 03:00 belongs to Sunday night, which is not listed: the next opening is Monday 22:00.
    expect(at(nights, '2026-03-30T03:00:00Z')).toEqual({ inWindow: false, opensAt: '2026-03-30T22:00:00.000Z', closesAt: '2026-03-31T06:00:00.000Z' });
    // Saturday afternoon: next is Monday night.
    expect(at(nights, '2026-03-28T15:00:00Z')).toEqual({ inWindow: false, opensAt: '2026-03-30T22:00:00.000Z', closesAt: '2026-03-31T06:00:00.000Z' });
  });

  it('follows New York across the year and zones with half-hour offsets', () => {
    expect(at('daily 01:00-03:00 America/New_York', '2026-01-15T06:30:00Z')).toEqual({ inWindow: true, closesAt: '2026-01-15T08:00:00.000Z' });
    expect(at('daily 01:00-03:00 America/New_York', '2026-07-15T05:30:00Z')).toEqual({ inWindow: true, closesAt: '2026-07-15T07:00:00.000Z' });
    expect(at('daily 09:00-10:00 Asia/Kolkata', '2026-03-10T03:45:00Z')).toEqual({ inWindow: true, closesAt: '2026-03-10T04:30:00.000Z' });
  });

  it('treats whole days back to back as one window, and an always-open window as never closing', () => {
    expect(at('Mon-Fri 00:00-24:00 UTC', '2026-03-25T12:00:00Z')).toEqual({ inWindow: true, closesAt: '2026-03-28T00:00:00.000Z' });
    expect(at('Mon-Fri 00:00-24:00 UTC', '2026-03-28T12:00:00Z')).toEqual({ inWindow: false, opensAt: '2026-03-30T00:00:00.000Z', closesAt: '2026-04-04T00:00:00.000Z' });
    expect(at('daily 00:00-24:00 Europe/Paris', '2026-03-29T01:30:00Z')).toEqual({ inWindow: true });
  });

  it('rejects an invalid now', () => {
    expect(() => windowState(parseWindow('daily 01:00-03:00 UTC'), new Date('nope'))).toThrow(/`now` is not a valid date/);
  });
});

describe('windowState across daylight saving time changes in 2026', () => {
  describe('Europe/Paris: clocks go from 02:00 to 03:00 on 29 March (01:00 UTC) and from 03:00 back to 02:00 on 25 October (01:00 UTC)', () => {
    it('does not open a window lying in the skipped hour: the next opening is a week later', () => {
      const skipped = 'Sun 02:00-03:00 Europe/Paris';
      expect(at(skipped, '2026-03-29T00:30:00Z')).toEqual({ inWindow: false, opensAt: '2026-04-05T00:00:00.000Z', closesAt: '2026-04-05T01:00:00.000Z' });
      expect(at(skipped, '2026-03-29T01:00:00Z').inWindow).toBe(false);
      expect(at(skipped, '2026-03-29T01:30:00Z').inWindow).toBe(false);
      // The week before, in winter time, it opened as usual.
      expect(at(skipped, '2026-03-22T01:30:00Z')).toEqual({ inWindow: true, closesAt: '2026-03-22T02:00:00.000Z' });
    });

    it('keeps a window around the skipped hour, two real hours long, and opens one starting inside it at the change', () => {
      expect(at('Sun 01:00-04:00 Europe/Paris', '2026-03-28T23:30:00Z')).toEqual({ inWindow: false, opensAt: '2026-03-29T00:00:00.000Z', closesAt: '2026-03-29T02:00:00.000Z' });
      expect(at('Sun 01:00-04:00 Europe/Paris', '2026-03-29T00:59:59Z')).toEqual({ inWindow: true, closesAt: '2026-03-29T02:00:00.000Z' });
      expect(at('Sun 02:30-05:00 Europe/Paris', '2026-03-29T00:30:00Z')).toEqual({ inWindow: false, opensAt: '2026-03-29T01:00:00.000Z', closesAt: '2026-03-29T03:00:00.000Z' });
    });

    it('keeps a window across midnight on the night the clocks change', () => {
      // Saturday 22:00 CET (21:00 UTC) to Sunday 06:00 CEST (04:00 UTC): seven real hours.
      expect(at('Sat 22:00-06:00 Europe/Paris', '2026-03-29T03:00:00Z')).toEqual({ inWindow: true, closesAt: '2026-03-29T04:00:00.000Z' });
      expect(at('Sat 22:00-06:00 Europe/Paris', '2026-03-28T20:00:00Z')).toEqual({ inWindow: false, opensAt: '2026-03-28T21:00:00.000Z', closesAt: '2026-03-29T04:00:00.000Z' });
    });

    it('spans both passes through the repeated hour: two real hours', () => {
      const repeated = 'Sun 02:00-03:00 Europe/Paris';
      expect(at(repeated, '2026-10-24T23:30:00Z')).toEqual({ inWindow: false, opensAt: '2026-10-25T00:00:00.000Z', closesAt: '2026-10-25T02:00:00.000Z' });
      // 02:30 summer time, then 02:30 winter time.
      expect(at(repeated, '2026-10-25T00:30:00Z')).toEqual({ inWindow: true, closesAt: '2026-10-25T02:00:00.000Z' });
      expect(at(repeated, '2026-10-25T01:30:00Z')).toEqual({ inWindow: true, closesAt: '2026-10-25T02:00:00.000Z' });
      expect(at(repeated, '2026-10-25T02:00:00Z')).toEqual({ inWindow: false, opensAt: '2026-11-01T01:00:00.000Z', closesAt: '2026-11-01T02:00:00.000Z' });
    });

    it('closes a window ending in the repeated hour the first time the clock reads its end', () => {
      // 01:00 CEST (23:00 UTC) to the first 02:30 (00:30 UTC, still summer time).
      expect(at('Sun 01:00-02:30 Europe/Paris', '2026-10-24T23:30:00Z')).toEqual({ inWindow: true, closesAt: '2026-10-25T00:30:00.000Z' });
      expect(at('Sun 01:00-02:30 Europe/Paris', '2026-10-25T01:15:00Z').inWindow).toBe(false);
    });
  });

  describe('America/New_York: clocks go from 02:00 to 03:00 on 8 March (07:00 UTC) and from 02:00 back to 01:00 on 1 November (06:00 UTC)', () => {
    it('does not open a window lying in the skipped hour', () => {
      expect(at('Sun 02:00-03:00 America/New_York', '2026-03-08T06:30:00Z')).toEqual({ inWindow: false, opensAt: '2026-03-15T06:00:00.000Z', closesAt: '2026-03-15T07:00:00.000Z' });
      expect(at('Sun 02:00-03:00 America/New_York', '2026-03-08T07:30:00Z').inWindow).toBe(false);
      // The daily window before the change opens at 01:00 EST and closes at 03:00 EDT: one real hour.
      expect(at('daily 01:00-03:00 America/New_York', '2026-03-08T06:30:00Z')).toEqual({ inWindow: true, closesAt: '2026-03-08T07:00:00.000Z' });
    });

    it('spans both passes through the repeated hour, and keeps the hour after it one hour long', () => {
      expect(at('Sun 01:00-02:00 America/New_York', '2026-11-01T04:30:00Z')).toEqual({ inWindow: false, opensAt: '2026-11-01T05:00:00.000Z', closesAt: '2026-11-01T07:00:00.000Z' });
      // 01:30 EST, the second pass.
      expect(at('Sun 01:00-02:00 America/New_York', '2026-11-01T06:30:00Z')).toEqual({ inWindow: true, closesAt: '2026-11-01T07:00:00.000Z' });
      expect(at('Sun 02:00-03:00 America/New_York', '2026-11-01T06:30:00Z')).toEqual({ inWindow: false, opensAt: '2026-11-01T07:00:00.000Z', closesAt: '2026-11-01T08:00:00.000Z' });
      expect(at('daily 01:00-03:00 America/New_York', '2026-11-01T05:00:00Z')).toEqual({ inWindow: true, closesAt: '2026-11-01T08:00:00.000Z' });
    });
  });
});
