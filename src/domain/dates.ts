/**
 * The only clock reading in the domain: the UTC calendar date. No time of day
 * is ever kept (promise 1).
 */

/** Today's UTC date as YYYY-MM-DD. */
export function utcDate (now: Date = new Date()): string {
  return now.toISOString().slice(0, 10)
}

/** Midnight UTC of today: the date written into keys and literal data packets. */
export function utcMidnight (now: Date = new Date()): Date {
  return new Date(`${utcDate(now)}T00:00:00.000Z`)
}
