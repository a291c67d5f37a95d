import { describe, expect, it } from "vitest";
import type { Station } from "../api/types";
import { destinationOptions, moveStation, toggleStation, validateRoute } from "./routeBuilder";

const area = (id: string) => ({ id, name: id.toUpperCase(), location: { lat: 0, lon: 0 } });
const station = (id: string, ...areas: string[]): Station => ({
  id,
  name: id,
  location: { lat: 0, lon: 0 },
  triggerRadiusM: 1000,
  areas: areas.map(area),
});
const stations = [station("a", "x", "shared"), station("b", "shared", "y"), station("c", "z")];

describe("route builder", () => {
  it("adds stations in the order picked and removes them on a second tap", () => {
    let picked = toggleStation([], "b");
    picked = toggleStation(picked, "a");
    expect(picked).toEqual(["b", "a"]);
    expect(toggleStation(picked, "b")).toEqual(["a"]);
  });

  it("moves a station earlier or later, never past the ends", () => {
    expect(moveStation(["a", "b", "c"], "c", -1)).toEqual(["a", "c", "b"]);
    expect(moveStation(["a", "b"], "a", -1)).toEqual(["a", "b"]);
    expect(moveStation(["a", "b"], "b", 1)).toEqual(["a", "b"]);
  });

  it("offers each area a picked station serves, once", () => {
    expect(destinationOptions(["a", "b"], stations).map((a) => a.id)).toEqual(["x", "shared", "y"]);
    expect(destinationOptions([], stations)).toEqual([]);
  });

  it("names the field at fault before anything is sent", () => {
    expect(validateRoute({ stationIds: [], destinationAreaId: "", seats: 0 }, stations)).toEqual({
      stationIds: "Pick at least one station.",
      destinationAreaId: "Choose where you are heading.",
      seats: "Seats must be between 1 and 8.",
    });
    expect(
      validateRoute({ stationIds: ["a"], destinationAreaId: "z", seats: 2 }, stations),
    ).toHaveProperty("destinationAreaId");
    expect(
      validateRoute({ stationIds: ["a", "b"], destinationAreaId: "y", seats: 8 }, stations),
    ).toEqual({});
  });
});
