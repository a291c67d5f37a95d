// The operator console's trends: one point per minute (the last snapshot seen in that minute),
// the last hour of them, kept in this tab (sessionStorage) so a reload does not lose them.
export interface TrendPoint {
  minute: number; // minutes since the epoch
  waiting: Record<string, number>;
  trips: number; // trips ever made, as the snapshot counts them
}

export const HOUR = 60;

export function addPoint(points: TrendPoint[], at: number, point: Omit<TrendPoint, "minute">) {
  const minute = Math.floor(at / 60_000);
  const kept = points.filter((p) => p.minute > minute - HOUR && p.minute !== minute);
  return [...kept, { minute, ...point }].sort((a, b) => a.minute - b.minute);
}

/** One value per minute of the last hour up to `now` (null where no snapshot was seen). */
export function series(
  points: TrendPoint[],
  now: number,
  value: (p: TrendPoint) => number,
): (number | null)[] {
  const last = Math.floor(now / 60_000);
  const byMinute = new Map(points.map((p) => [p.minute, p]));
  return Array.from({ length: HOUR }, (_, i) => {
    const p = byMinute.get(last - HOUR + 1 + i);
    return p ? value(p) : null;
  });
}

/** Trips started in each minute: growth of the count since the minute before (null where
 * either minute is missing). */
export function startsPerMinute(points: TrendPoint[], now: number): (number | null)[] {
  const totals = series(points, now, (p) => p.trips);
  const before = Math.floor(now / 60_000) - HOUR;
  const first = points.find((p) => p.minute === before)?.trips ?? null;
  return totals.map((t, i) => {
    const prev = i === 0 ? first : totals[i - 1];
    return t === null || prev === null ? null : Math.max(0, t - prev);
  });
}

const KEY = "lastmile.ops.trend";

export function savedTrend(): TrendPoint[] {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? "[]") as TrendPoint[];
  } catch {
    return [];
  }
}

export function saveTrend(points: TrendPoint[]): void {
  sessionStorage.setItem(KEY, JSON.stringify(points));
}
