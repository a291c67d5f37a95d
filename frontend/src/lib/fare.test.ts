import { describe, expect, it } from "vitest";
import cases from "../../../tests/fare_cases.json";
import { fareInr, formatInr } from "./fare";

describe("fare rule", () => {
  it("gives the services' fare for every shared case", () => {
    for (const c of cases as { distanceM: number; ridersOnTrip: number; fareInr: number }[]) {
      expect([c.distanceM, c.ridersOnTrip, fareInr(c.distanceM, c.ridersOnTrip)]).toEqual([
        c.distanceM,
        c.ridersOnTrip,
        c.fareInr,
      ]);
    }
  });
  it("is cheaper shared, never below the minimum alone", () => {
    expect(fareInr(5000, 2)).toBeLessThan(fareInr(5000));
    expect(fareInr(0)).toBe(40);
    expect(() => fareInr(100, 0)).toThrow();
  });
  it("writes rupees", () => {
    expect(formatInr(85)).toBe("₹85");
  });
});
