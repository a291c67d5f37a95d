// The match rate from successive snapshots: the growth of the trip count over the last minute
// (a route's first match opens its trip; the public snapshot counts trips, not riders), kept
// as a sliding window.
export interface Sample {
  at: number; // ms
  total: number;
}

export const WINDOW_MS = 60_000;

export function addSample(samples: Sample[], sample: Sample): Sample[] {
  return [...samples.filter((s) => sample.at - s.at <= WINDOW_MS), sample];
}

export function perMinute(samples: Sample[]): number {
  if (samples.length < 2) return 0;
  const first = samples[0];
  const last = samples[samples.length - 1];
  const minutes = (last.at - first.at) / 60_000;
  if (minutes <= 0) return 0;
  return Math.max(0, (last.total - first.total) / minutes);
}
