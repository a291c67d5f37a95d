import { describe, expect, it } from "vitest";
import { addSample, perMinute } from "./rates";

describe("matches per minute", () => {
  it("is the growth over the window, scaled to a minute", () => {
    let samples = addSample([], { at: 0, total: 10 });
    samples = addSample(samples, { at: 30_000, total: 13 });
    expect(perMinute(samples)).toBeCloseTo(6);
    samples = addSample(samples, { at: 90_000, total: 16 }); // the first sample leaves the window
    expect(samples).toHaveLength(2);
    expect(perMinute(samples)).toBeCloseTo(3);
    expect(perMinute(samples.slice(0, 1))).toBe(0);
  });
});
