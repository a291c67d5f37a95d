import { describe, expect, it } from "vitest";
import { HOUR, addPoint, series, startsPerMinute, type TrendPoint } from "./trend";

const MIN = 60_000;
const at = (minute: number, seconds = 0) => minute * MIN + seconds * 1000;

describe("trend", () => {
  it("keeps the last snapshot of each minute, for an hour", () => {
    let points: TrendPoint[] = [];
    points = addPoint(points, at(100, 5), { waiting: { a: 1 }, trips: 3 });
    points = addPoint(points, at(100, 50), { waiting: { a: 2 }, trips: 4 });
    points = addPoint(points, at(101), { waiting: { a: 0 }, trips: 4 });
    expect(points.map((p) => [p.minute, p.waiting.a])).toEqual([
      [100, 2],
      [101, 0],
    ]);
    points = addPoint(points, at(100 + HOUR), { waiting: {}, trips: 9 });
    expect(points.map((p) => p.minute)).toEqual([101, 160]);
  });
  it("lays the hour out minute by minute, with gaps where nothing was seen", () => {
    const points = [
      { minute: 158, waiting: { a: 4 }, trips: 10 },
      { minute: 160, waiting: { a: 1 }, trips: 13 },
    ];
    const s = series(points, at(160, 30), (p) => p.waiting.a ?? 0);
    expect(s).toHaveLength(HOUR);
    expect(s.slice(-3)).toEqual([4, null, 1]);
  });
  it("counts trips started per minute from the growth of the count", () => {
    const points = [
      { minute: 158, waiting: {}, trips: 10 },
      { minute: 159, waiting: {}, trips: 12 },
      { minute: 160, waiting: {}, trips: 13 },
    ];
    expect(startsPerMinute(points, at(160)).slice(-3)).toEqual([null, 2, 1]);
  });
});
