// The in-browser drive: a car moving along start -> stations -> destination at a chosen speed.
// Positions reach the server through a PositionSource, so a real GPS can replace the
// simulation without touching the driver screen.
import type { LatLon } from "../api/types";
import { bearingDeg, destinationPoint, distanceM } from "./geo";

/** Cars start this far before their first station, outside its trigger zone. */
export const LEAD_IN_M = 2500;

export interface Fix {
  position: LatLon;
  speedMps: number;
  /** Index of the waypoint just reached at this fix, if any. */
  reached: number | null;
  done: boolean;
}

export interface PositionSource {
  /** Calls `onFix` about once a second until stopped; returns the stop function. */
  start(onFix: (fix: Fix) => void): () => void;
}

/** The waypoints of a drive: a start point LEAD_IN_M before the first station (away from
 * where the car goes), every station in order, then the destination. */
export function drivePath(stations: LatLon[], destination: LatLon): LatLon[] {
  if (stations.length === 0) return [destination];
  const first = stations[0];
  const onward = stations[1] ?? destination;
  const back = (bearingDeg(first, onward) + 180) % 360;
  return [destinationPoint(first, back, LEAD_IN_M), ...stations, destination];
}

export function pathLength(path: LatLon[]): number {
  let total = 0;
  for (let i = 1; i < path.length; i++) total += distanceM(path[i - 1], path[i]);
  return total;
}

/** Where the car is after `metres` along the path, and the last waypoint passed. */
export function positionAlong(
  path: LatLon[],
  metres: number,
): { position: LatLon; passed: number } {
  let left = Math.max(0, metres);
  for (let i = 1; i < path.length; i++) {
    const leg = distanceM(path[i - 1], path[i]);
    if (left < leg) {
      return {
        position: destinationPoint(path[i - 1], bearingDeg(path[i - 1], path[i]), left),
        passed: i - 1,
      };
    }
    left -= leg;
  }
  return { position: path[path.length - 1], passed: path.length - 1 };
}

/** Steps along the path by speed x tick, stopping exactly at each waypoint it reaches, so
 * the server sees the car at every station. */
export class DriveStepper {
  private travelled = 0;
  private passed = 0;
  private readonly legEnds: number[];

  constructor(
    readonly path: LatLon[],
    readonly speedMps: number,
    /** Metres already driven (a drive resumed after a reload). */
    startAt = 0,
  ) {
    this.legEnds = [0];
    for (let i = 1; i < path.length; i++) {
      this.legEnds.push(this.legEnds[i - 1] + distanceM(path[i - 1], path[i]));
    }
    this.travelled = Math.min(Math.max(0, startAt), this.legEnds[this.legEnds.length - 1]);
    while (this.passed < path.length - 1 && this.legEnds[this.passed + 1] <= this.travelled) {
      this.passed += 1;
    }
  }

  /** Metres driven so far. */
  get distance(): number {
    return this.travelled;
  }

  /** Where the car is now. */
  get here(): LatLon {
    return positionAlong(this.path, this.travelled).position;
  }

  get done(): boolean {
    return this.passed >= this.path.length - 1;
  }

  step(seconds: number): Fix {
    if (this.done) {
      return { position: this.path[this.path.length - 1], speedMps: 0, reached: null, done: true };
    }
    const nextEnd = this.legEnds[this.passed + 1];
    const wanted = this.travelled + this.speedMps * seconds;
    let reached: number | null = null;
    if (wanted >= nextEnd) {
      this.travelled = nextEnd;
      this.passed += 1;
      reached = this.passed;
    } else {
      this.travelled = wanted;
    }
    const { position } = positionAlong(this.path, this.travelled);
    const at = reached === null ? position : this.path[reached];
    return { position: at, speedMps: this.speedMps, reached, done: this.done };
  }
}

/** A simulated car: one fix a second, moving `speedMps`. */
export class SimulatedSource implements PositionSource {
  constructor(
    private readonly stepper: DriveStepper,
    private readonly tickMs = 1000,
  ) {}

  start(onFix: (fix: Fix) => void): () => void {
    onFix({
      position: this.stepper.here,
      speedMps: this.stepper.speedMps,
      reached: this.stepper.distance === 0 ? 0 : null,
      done: false,
    });
    const timer = setInterval(() => {
      const fix = this.stepper.step(this.tickMs / 1000);
      onFix(fix);
      if (fix.done) clearInterval(timer);
    }, this.tickMs);
    return () => clearInterval(timer);
  }
}

/** The device's GPS, for a real drive. */
export class GeolocationSource implements PositionSource {
  start(onFix: (fix: Fix) => void): () => void {
    const id = navigator.geolocation.watchPosition(
      (p) =>
        onFix({
          position: { lat: p.coords.latitude, lon: p.coords.longitude },
          speedMps: p.coords.speed ?? 0,
          reached: null,
          done: false,
        }),
      undefined,
      { enableHighAccuracy: true, maximumAge: 1000 },
    );
    return () => navigator.geolocation.clearWatch(id);
  }
}

/** What a drive in progress needs to carry on after a reload. */
export interface SavedDrive {
  routeId: string;
  mode: "simulated" | "gps";
  speedKmh: number;
  travelledM: number;
}

const DRIVE_KEY = "lastmile.drive";

export function saveDrive(drive: SavedDrive | null): void {
  if (drive) localStorage.setItem(DRIVE_KEY, JSON.stringify(drive));
  else localStorage.removeItem(DRIVE_KEY);
}

/** The saved drive of this route, if one was in progress. */
export function savedDrive(routeId: string): SavedDrive | null {
  try {
    const drive = JSON.parse(localStorage.getItem(DRIVE_KEY) ?? "null") as SavedDrive | null;
    return drive && drive.routeId === routeId ? drive : null;
  } catch {
    return null;
  }
}
