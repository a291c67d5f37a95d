// Which side of its dot each station's name goes, so that names of neighbouring stations
// (MG Road, Trinity and Cubbon Park are a kilometre apart) do not sit on each other.
export type Side = "top" | "bottom" | "left" | "right";

const SIDES: Record<string, Side> = {
  vijayanagar: "bottom",
  majestic: "left",
  "cubbon-park": "top",
  "mg-road": "bottom",
  trinity: "top",
  indiranagar: "bottom",
  baiyappanahalli: "right",
  jayanagar: "right",
  "rv-road": "left",
  banashankari: "bottom",
};

const OFFSETS: Record<Side, [number, number]> = {
  top: [0, -8],
  bottom: [0, 8],
  left: [-8, 0],
  right: [8, 0],
};

export function labelSide(stationId: string): { direction: Side; offset: [number, number] } {
  const direction = SIDES[stationId] ?? "top";
  return { direction, offset: OFFSETS[direction] };
}
