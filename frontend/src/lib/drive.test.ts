import { describe, expect, it } from "vitest";
import { DriveStepper, LEAD_IN_M, drivePath, pathLength, positionAlong } from "./drive";
import { destinationPoint, distanceM } from "./geo";

const station = { lat: 12.9755, lon: 77.6068 };
const destination = destinationPoint(station, 90, 1000);

describe("drive simulation", () => {
  it("starts LEAD_IN_M before the first station, on the far side from where it goes", () => {
    const [start, s, end] = drivePath([station], destination);
    expect(distanceM(start, s)).toBeCloseTo(LEAD_IN_M, -1);
    expect(distanceM(start, end)).toBeCloseTo(LEAD_IN_M + 1000, -1);
  });

  it("measures and interpolates along the path", () => {
    const path = drivePath([station], destination);
    expect(pathLength(path)).toBeCloseTo(LEAD_IN_M + 1000, -1);
    const half = positionAlong(path, LEAD_IN_M / 2);
    expect(half.passed).toBe(0);
    expect(distanceM(half.position, station)).toBeCloseTo(LEAD_IN_M / 2, -1);
    expect(positionAlong(path, 1e9).position).toEqual(destination);
  });

  it("steps at speed, stops exactly at each waypoint, then reports done", () => {
    const path = drivePath([station], destination);
    const stepper = new DriveStepper(path, 1000); // 1 km per second
    const first = stepper.step(1);
    expect(first.reached).toBeNull();
    expect(distanceM(first.position, station)).toBeCloseTo(LEAD_IN_M - 1000, -1);
    stepper.step(1);
    const atStation = stepper.step(1); // 3000 m wanted, the station is at 2500: stop there
    expect(atStation.reached).toBe(1);
    expect(atStation.position).toEqual(station);
    const end = stepper.step(1);
    expect(end.reached).toBe(2);
    expect(end.done).toBe(true);
    expect(stepper.step(1)).toMatchObject({ done: true, reached: null, speedMps: 0 });
  });
});

describe("a resumed drive", () => {
  it("carries on from where it was, past the waypoints already reached", () => {
    const path = [
      { lat: 12.95, lon: 77.6 },
      { lat: 12.96, lon: 77.6 },
      { lat: 12.97, lon: 77.6 },
    ];
    const firstLeg = pathLength(path.slice(0, 2));
    const resumed = new DriveStepper(path, 10, firstLeg + 50);
    expect(resumed.distance).toBeCloseTo(firstLeg + 50);
    const fix = resumed.step(1);
    expect(fix.reached).toBeNull();
    expect(resumed.distance).toBeCloseTo(firstLeg + 60);
    expect(new DriveStepper(path, 10, 1e9).done).toBe(true);
  });
});
