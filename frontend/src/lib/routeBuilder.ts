// Building a driver's route: stations in the order picked, no repeats, and a destination
// among the areas the picked stations serve (API.md's rules, checked before sending).
import type { Area, Station } from "../api/types";

export const MAX_STATIONS = 10;
export const MAX_SEATS = 8;

export function toggleStation(picked: string[], id: string): string[] {
  if (picked.includes(id)) return picked.filter((s) => s !== id);
  if (picked.length >= MAX_STATIONS) return picked;
  return [...picked, id];
}

export function moveStation(picked: string[], id: string, by: -1 | 1): string[] {
  const i = picked.indexOf(id);
  const j = i + by;
  if (i < 0 || j < 0 || j >= picked.length) return picked;
  const next = [...picked];
  [next[i], next[j]] = [next[j], next[i]];
  return next;
}

/** Areas served by at least one picked station, each once, in the order first served. */
export function destinationOptions(picked: string[], stations: Station[]): Area[] {
  const byId = new Map(stations.map((s) => [s.id, s]));
  const seen = new Map<string, Area>();
  for (const id of picked) {
    for (const area of byId.get(id)?.areas ?? []) if (!seen.has(area.id)) seen.set(area.id, area);
  }
  return [...seen.values()];
}

export interface RouteDraft {
  stationIds: string[];
  destinationAreaId: string;
  seats: number;
}

/** Field -> message for what the server would refuse; empty when the draft is sendable. */
export function validateRoute(draft: RouteDraft, stations: Station[]): Record<string, string> {
  const errors: Record<string, string> = {};
  if (draft.stationIds.length === 0) errors.stationIds = "Pick at least one station.";
  if (new Set(draft.stationIds).size !== draft.stationIds.length) {
    errors.stationIds = "A station can appear only once.";
  }
  const options = destinationOptions(draft.stationIds, stations).map((a) => a.id);
  if (!draft.destinationAreaId) errors.destinationAreaId = "Choose where you are heading.";
  else if (!options.includes(draft.destinationAreaId)) {
    errors.destinationAreaId = "The destination must be an area one of your stations serves.";
  }
  if (!Number.isInteger(draft.seats) || draft.seats < 1 || draft.seats > MAX_SEATS) {
    errors.seats = `Seats must be between 1 and ${MAX_SEATS}.`;
  }
  return errors;
}
