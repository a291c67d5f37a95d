import { describe, expect, it } from "vitest";
import {
  applyPosition,
  etaLeftS,
  etaPhrase,
  formatCountdown,
  matchWindow,
  type Positions,
} from "./live";

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 8, 0, s)).toISOString();
const pos = (trip: string, s: number, etaS?: number) => ({
  tripId: trip,
  location: { lat: 12.97, lon: 77.6 + s / 1000 },
  speedMps: 8,
  at: at(s),
  ...(etaS === undefined ? {} : { etaS }),
});

describe("position reducer", () => {
  it("keeps the newest fix per trip, whatever order they arrive in", () => {
    let state: Positions = {};
    state = applyPosition(state, pos("t1", 2), 1000);
    const late = applyPosition(state, pos("t1", 1), 1100);
    expect(late).toBe(state);
    state = applyPosition(state, pos("t1", 3), 1200);
    state = applyPosition(state, pos("t2", 1), 1300);
    expect(state.t1.at).toBe(at(3));
    expect(state.t1.receivedAt).toBe(1200);
    expect(Object.keys(state).sort()).toEqual(["t1", "t2"]);
  });
});

describe("ETA countdown", () => {
  it("counts the pushed ETA down between pushes, never below zero", () => {
    const p = { ...pos("t", 1, 120), receivedAt: 10_000 };
    expect(etaLeftS(p, 10_000)).toBe(120);
    expect(etaLeftS(p, 40_000)).toBe(90);
    expect(etaLeftS(p, 500_000)).toBe(0);
    expect(etaLeftS({ ...pos("t", 1), receivedAt: 0 }, 0)).toBeNull();
    expect(etaLeftS(undefined, 0)).toBeNull();
  });
  it("reads as minutes and seconds, then arriving", () => {
    expect(formatCountdown(200)).toBe("3 min 20 s");
    expect(formatCountdown(45)).toBe("45 s");
    expect(etaPhrase(200, "MG Road", "Ravi")).toBe("Ravi is 3 min 20 s from MG Road");
    expect(etaPhrase(20, "MG Road", "Ravi")).toBe("Ravi is arriving at MG Road now");
    expect(etaPhrase(null, "MG Road")).toBe("Your driver is on the way to MG Road");
  });
});

describe("matching window", () => {
  it("opens five minutes before arrival and closes thirty after", () => {
    const arrival = new Date(Date.UTC(2026, 11, 1, 8, 40));
    const w = matchWindow(arrival);
    expect(w.from.toISOString()).toBe("2026-12-01T08:35:00.000Z");
    expect(w.until.toISOString()).toBe("2026-12-01T09:10:00.000Z");
  });
});
