// Live positions of a ride: the newest per trip (an older fix arriving late never moves the
// car back), and the ETA they carry, counted down between pushes.
import type { TripPosition } from "../api/types";

export interface LivePosition extends TripPosition {
  /** When this browser received it (ms since the epoch). */
  receivedAt: number;
}

export type Positions = Readonly<Record<string, LivePosition>>;

export function applyPosition(state: Positions, p: TripPosition, receivedAt: number): Positions {
  const known = state[p.tripId];
  if (known && Date.parse(known.at) >= Date.parse(p.at)) return state;
  return { ...state, [p.tripId]: { ...p, receivedAt } };
}

/** Seconds left until the driver reaches the rider's station, now: the pushed ETA less the
 * time since it came (null when the position carries none). */
export function etaLeftS(p: LivePosition | undefined, now: number): number | null {
  if (!p || p.etaS === undefined || p.etaS === null) return null;
  return Math.max(0, Math.round(p.etaS - (now - p.receivedAt) / 1000));
}

export const ARRIVING_S = 30;

export function formatCountdown(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m} min ${String(s).padStart(2, "0")} s` : `${s} s`;
}

/** What the rider reads while the driver comes: "Ravi is 3 min 20 s from MG Road". */
export function etaPhrase(seconds: number | null, station: string, driver = "Your driver"): string {
  if (seconds === null) return `${driver} is on the way to ${station}`;
  if (seconds <= ARRIVING_S) return `${driver} is arriving at ${station} now`;
  return `${driver} is ${formatCountdown(seconds)} from ${station}`;
}

// Matching (services/matching/plan.py, rider expiry): a rider arriving at T is matched with a
// driver reaching the station no earlier than T - ARRIVAL_SLACK, until T + EXPIRY.
export const ARRIVAL_SLACK_MIN = 5;
export const EXPIRY_MIN = 30;

export function matchWindow(arrival: Date): { from: Date; until: Date } {
  return {
    from: new Date(arrival.getTime() - ARRIVAL_SLACK_MIN * 60000),
    until: new Date(arrival.getTime() + EXPIRY_MIN * 60000),
  };
}

export function clock(d: Date): string {
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
