// Cars at (nearly) the same place drawn as one marker with a count, not stacked out of sight.
import type { LatLon } from "../api/types";
import { distanceM } from "./geo";

export interface Placed {
  id: string;
  position: LatLon;
  label: string;
}

export interface Cluster<T extends Placed> {
  key: string;
  position: LatLon;
  members: T[];
}

/** Groups cars within `radiusM` of a group's first car (greedy, in order: fine for the
 * hundreds of cars a map shows); each group sits at its members' mean position. */
export function clusterByPlace<T extends Placed>(items: T[], radiusM = 60): Cluster<T>[] {
  const groups: { first: LatLon; members: T[] }[] = [];
  for (const item of items) {
    const near = groups.find((g) => distanceM(g.first, item.position) <= radiusM);
    if (near) near.members.push(item);
    else groups.push({ first: item.position, members: [item] });
  }
  return groups.map(({ members }) => ({
    key: members[0].id,
    members,
    position: {
      lat: members.reduce((a, m) => a + m.position.lat, 0) / members.length,
      lon: members.reduce((a, m) => a + m.position.lon, 0) / members.length,
    },
  }));
}
