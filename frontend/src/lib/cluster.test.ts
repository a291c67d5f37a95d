import { describe, expect, it } from "vitest";
import { clusterByPlace } from "./cluster";

const car = (id: string, lat: number, lon: number) => ({ id, label: id, position: { lat, lon } });

describe("clusterByPlace", () => {
  it("puts cars a few metres apart in one group at their mean position", () => {
    const groups = clusterByPlace([car("a", 12.97551, 77.6068), car("b", 12.97549, 77.60681)]);
    expect(groups).toHaveLength(1);
    expect(groups[0].members.map((m) => m.id)).toEqual(["a", "b"]);
    expect(groups[0].position.lat).toBeCloseTo(12.9755, 5);
  });
  it("keeps cars streets apart on their own", () => {
    const groups = clusterByPlace([car("a", 12.9755, 77.6068), car("b", 12.9784, 77.6408)]);
    expect(groups.map((g) => g.members.length)).toEqual([1, 1]);
  });
  it("draws nothing for no cars", () => {
    expect(clusterByPlace([])).toEqual([]);
  });
});
