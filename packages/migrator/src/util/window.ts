import { MigratorError } from '../errors.js';

/**
 * Maintenance windows: "Sat 02:00-04:00 Europe/Paris", "Mon-Fri 22:00-06:00 UTC",
 * "daily 01:00-03:00 America/New_York". Wall-clock times in an IANA time zone, computed with Intl
 * (Node ships full ICU), so no date library: the only thing one would add is the offset of a zone
 * at an instant, which `Intl.DateTimeFormat#formatToParts` already gives.
 *
 * What a window means (issue 14, `sdk db deploy` with a window):
 * - The days name the day a window opens. "Mon-Fri 22:00-06:00" opens Friday 22:00 and closes
 *   Saturday 06:00; Monday 00:00-06:00 is not in it (that would be Sunday's window).
 * - A window opens the first time the zone's clock reads its start and closes the first time the
 *   clock reads its end. Across daylight saving time changes:
 *   - spring forward: a start or end in the skipped hour is the instant of the change, so
 *     "Sun 02:00-03:00 Europe/Paris" does not open on 2026-03-29 (no clock there reads
 *     02:00-02:59) and the next opening is a week later; "Sun 01:00-04:00" lasts two real hours.
 *     A window is a safety gate: it is never moved to hours the user did not list.
 *   - fall back: a repeated start or end is its first occurrence, so "Sun 02:00-03:00
 *     Europe/Paris" lasts two real hours on 2026-10-25 (both passes through 02:00-02:59).
 */

export interface MaintenanceWindow {
  /** The window written back in its normal form: `Sat 02:00-04:00 Europe/Paris`. */
  text: string;
  /** The days it opens on, 0 = Sunday ... 6 = Saturday, ascending. */
  days: number[];
  /** Minutes after local midnight: start 0..1439, end 1..1440 (24:00). end < start crosses midnight. */
  startMinute: number;
  endMinute: number;
  /** The IANA time zone its times are read in. */
  timeZone: string;
}

export interface WindowState {
  inWindow: boolean;
  /** Outside the window: when it next opens. */
  opensAt?: Date;
  /**
   * In the window: when it closes. Outside: when the next opening closes. Absent when the window
   * never closes (`daily 00:00-24:00`).
   */
  closesAt?: Date;
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const FULL_DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const DAY_SETS: Record<string, number[]> = { daily: [0, 1, 2, 3, 4, 5, 6], weekdays: [1, 2, 3, 4, 5], weekends: [0, 6] };
const EXAMPLE = 'e.g. "Sat 02:00-04:00 Europe/Paris", "Mon-Fri 22:00-06:00 UTC" or "daily 01:00-03:00 America/New_York"';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How many local days ahead an opening is looked for: two weeks and a day covers a weekly window skipped by a DST change. */
const HORIZON_DAYS = 15;

function windowError(text: string, problem: string, hint: string): MigratorError {
  return new MigratorError('E_WINDOW', `maintenance window "${text}": ${problem}`, { hint });
}

/**
 * Reads a maintenance window: `<days> <HH:MM>-<HH:MM> <IANA time zone>`. Days are `daily`,
 * `weekdays`, `weekends`, a day (`Sat`, `saturday`), a range (`Mon-Fri`, `Fri-Mon` wraps) or a
 * comma list of these (`Mon,Wed-Fri`). Times are 24-hour; the end may be `24:00`; an end before
 * the start crosses midnight. Throws a MigratorError `E_WINDOW` naming the part that is wrong.
 *
 * @example parseWindow('Mon-Fri 22:00-06:00 UTC') // { days: [1,2,3,4,5], startMinute: 1320, endMinute: 360, timeZone: 'UTC', ... }
 */
export function parseWindow(text: string): MaintenanceWindow {
  const shown = text.trim().replace(/\s+/g, ' ');
  const tokens = shown.replace(/\s*([-,])\s*/g, '$1').split(' ').filter(Boolean);
  if (tokens.length !== 3) {
    const problem =
      tokens.length === 2 && /\d:\d\d-\d/.test(tokens[1]!)
        ? 'no time zone after the times'
        : `expected days, times and a time zone, got ${tokens.length === 0 ? 'nothing' : `${tokens.length} part${tokens.length === 1 ? '' : 's'}`}`;
    throw windowError(shown, problem, `write it as days, times and an IANA time zone, ${EXAMPLE}`);
  }
  const [daysText, timesText, zoneText] = tokens as [string, string, string];
  const days = parseDays(shown, daysText);
  const [startMinute, endMinute] = parseTimes(shown, timesText);
  const timeZone = parseZone(shown, zoneText);
  const daysOut = daysText.toLowerCase() in DAY_SETS ? daysText.toLowerCase() : formatDays(days);
  return { text: `${daysOut} ${formatMinute(startMinute)}-${formatMinute(endMinute)} ${timeZone}`, days, startMinute, endMinute, timeZone };
}

function dayIndex(shown: string, name: string): number {
  const lower = name.toLowerCase();
  const index = FULL_DAY_NAMES.findIndex((full) => full === lower || full.slice(0, 3) === lower);
  if (index < 0) {
    throw windowError(shown, `unknown day "${name}"`, 'name days Mon, Tue, Wed, Thu, Fri, Sat, Sun (or in full), a range such as Mon-Fri, or daily, weekdays, weekends');
  }
  return index;
}

function parseDays(shown: string, text: string): number[] {
  const set = DAY_SETS[text.toLowerCase()];
  if (set) return [...set];
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const ends = part.split('-');
    if (ends.length > 2 || ends.some((e) => e === '')) {
      throw windowError(shown, `"${part}" is not a day or a range of days`, 'write a day (Sat), a range (Mon-Fri) or a comma list (Mon,Wed-Fri)');
    }
    const first = dayIndex(shown, ends[0]!);
    const last = dayIndex(shown, ends[ends.length - 1]!);
    if (ends.length === 2 && first === last) {
      throw windowError(shown, `the range "${part}" starts and ends on the same day`, `write the day alone (${DAY_NAMES[first]}), or daily for every day`);
    }
    for (let d = first; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === last) break;
    }
  }
  return [...days].sort((a, b) => a - b);
}

function parseTimes(shown: string, text: string): [number, number] {
  const match = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) throw windowError(shown, `"${text}" is not a time range`, 'write 24-hour times as HH:MM-HH:MM, e.g. 02:00-04:00 (22:00-06:00 crosses midnight)');
  const minute = (h: string, m: string, isEnd: boolean): number => {
    const hours = Number(h);
    const minutes = Number(m);
    if (hours === 24 && minutes === 0 && isEnd) return 1440;
    if (hours > 23 || minutes > 59) {
      throw windowError(shown, `${h}:${m} is not a time of day`, 'use 24-hour times from 00:00 to 23:59 (an end may be 24:00)');
    }
    return hours * 60 + minutes;
  };
  const start = minute(match[1]!, match[2]!, false);
  const end = minute(match[3]!, match[4]!, true);
  if (start === end) {
    throw windowError(shown, `it starts and ends at ${formatMinute(start)}`, 'give the window a length, e.g. 02:00-04:00 (00:00-24:00 for a whole day)');
  }
  return [start, end];
}

function parseZone(shown: string, text: string): string {
  // Abbreviations are not places: tzdb's EST and MST never observe daylight saving time, so a
  // window written in EST for New York would be an hour off all summer.
  if (/^[a-z]{3,4}$/i.test(text) && !/^(utc|gmt)$/i.test(text)) {
    throw windowError(shown, `"${text}" is an abbreviation, not a time zone name`, 'write the IANA name of the place, e.g. America/New_York or Europe/Paris (or UTC), so daylight saving time is followed');
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
  } catch (error) {
    throw new MigratorError('E_WINDOW', `maintenance window "${shown}": unknown time zone "${text}"`, {
      cause: error,
      hint: 'use an IANA time zone name such as Europe/Paris, America/New_York or UTC',
    });
  }
  // ICU also canonicalises aliases (US/Eastern to America/New_York): keep the name the user wrote,
  // only its case corrected.
  return resolved.toLowerCase() === text.toLowerCase() ? resolved : text;
}

function formatMinute(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** Ascending days as runs: [1,2,3,4,5] -> Mon-Fri, [0,3,6] -> Sun,Wed,Sat. */
function formatDays(days: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < days.length; ) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === days[j]! + 1) j++;
    runs.push(j - i >= 2 ? `${DAY_NAMES[days[i]!]}-${DAY_NAMES[days[j]!]}` : days.slice(i, j + 1).map((d) => DAY_NAMES[d]).join(','));
    i = j + 1;
  }
  return runs.join(',');
}

// --- instants and wall-clock times in a zone ---------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's wall-clock time at an instant, as milliseconds of a UTC calendar ("local ms"). */
function wallAt(timeZone: string, instantMs: number): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall + (instantMs - Math.floor(instantMs / 1000) * 1000);
}

/**
 * The first instant at which the zone's clock reads `wall` or later: the instant itself for an
 * ordinary time, the first of the two for a repeated one (fall back), and the instant of the
 * change for a skipped one (spring forward).
 */
function firstInstantAt(timeZone: string, wall: number): number {
  const offsets = new Set([-DAY_MS, 0, DAY_MS].map((shift) => wallAt(timeZone, wall + shift) - (wall + shift)));
  const exact = [...offsets].map((offset) => wall - offset).filter((instant) => wallAt(timeZone, instant) === wall);
  if (exact.length) return Math.min(...exact);
  // Skipped: before the change the clock reads earlier than `wall`, after it later. Between the
  // two candidates the clock only moves forward, so bisect to the second of the change.
  let before = wall - Math.max(...offsets);
  let after = wall - Math.min(...offsets);
  while (after - before > 1000) {
    const mid = before + Math.floor((after - before) / 2000) * 1000;
    if (wallAt(timeZone, mid) >= wall) after = mid;
    else before = mid;
  }
  return after;
}

/** The openings of a window, [opens, closes) in ms, for the local days from `fromDay` on. */
function occurrences(window: MaintenanceWindow, fromDay: number, count: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let day = fromDay; day < fromDay + count * DAY_MS; day += DAY_MS) {
    if (!window.days.includes(new Date(day).getUTCDay())) continue;
    const closeDay = window.endMinute <= window.startMinute ? day + DAY_MS : day;
    const opens = firstInstantAt(window.timeZone, day + window.startMinute * MINUTE_MS);
    const closes = firstInstantAt(window.timeZone, closeDay + window.endMinute * MINUTE_MS);
    if (closes > opens) out.push([opens, closes]);
  }
  return out;
}

/**
 * Whether `now` is inside the window, with when it closes, or when it next opens (and closes),
 * computed in the window's time zone (see the top of this file for daylight saving time).
 *
 * @example windowState(parseWindow('Sat 02:00-04:00 Europe/Paris'), new Date('2026-03-28T01:30:00Z'))
 *   // { inWindow: true, closesAt: 2026-03-28T03:00:00.000Z }
 */
export function windowState(window: MaintenanceWindow, now: Date): WindowState {
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) throw new MigratorError('E_WINDOW', `maintenance window "${window.text}": \`now\` is not a valid date`);
  const today = Math.floor(wallAt(window.timeZone, nowMs) / DAY_MS) * DAY_MS;
  // From yesterday: a window that crosses midnight may have opened then.
  const found = occurrences(window, today - DAY_MS, HORIZON_DAYS + 1);
  /** Where a run of back-to-back openings ends (Mon-Fri 00:00-24:00 closes Saturday 00:00). */
  const closeOfRun = (index: number): number | undefined => {
    let last = index;
    while (last + 1 < found.length && found[last + 1]![0] <= found[last]![1]) last++;
    // Back to back to the end of the horizon (daily 00:00-24:00): it never closes.
    return last === found.length - 1 && last > index ? undefined : found[last]![1];
  };
  const current = found.findIndex(([opens, closes]) => opens <= nowMs && nowMs < closes);
  if (current >= 0) {
    const closes = closeOfRun(current);
    return closes === undefined ? { inWindow: true } : { inWindow: true, closesAt: new Date(closes) };
  }
  const next = found.findIndex(([opens]) => opens > nowMs);
  if (next < 0) return { inWindow: false };
  const closes = closeOfRun(next);
  return { inWindow: false, opensAt: new Date(found[next]![0]), ...(closes === undefined ? {} : { closesAt: new Date(closes) }) };
}
