// The map: stations with their trigger zones, areas, a route line, cars. Tiles come from the
// configured URL; with none (or none reachable) the vectors stay on a plain background.
import L from "leaflet";
import { useEffect, type ReactNode } from "react";
import {
  Circle,
  CircleMarker,
  MapContainer,
  Marker,
  Polyline,
  TileLayer,
  Tooltip,
  useMap,
} from "react-leaflet";
import type { LatLon, Station } from "../api/types";
import { uiConfig } from "../lib/config";
import "./map.css";

const CENTRE: [number, number] = [12.955, 77.6];
const pt = (p: LatLon): [number, number] => [p.lat, p.lon];
// Drawn, not an emoji: phones and headless browsers without an emoji font show it the same.
const carIcon = L.divIcon({
  className: "",
  html:
    '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true">' +
    '<circle cx="12" cy="12" r="11" fill="#f59e0b" stroke="#fff" stroke-width="2"/>' +
    '<path d="M7 14l1.2-3.6A1.5 1.5 0 0 1 9.6 9.4h4.8a1.5 1.5 0 0 1 1.4 1l1.2 3.6v2.5h-1.6v-1H8.6v1H7z" fill="#fff"/>' +
    "</svg>",
  iconSize: [26, 26],
  iconAnchor: [13, 13],
});

/** Frames the stations (and path) once they are known, and again when they change. */
function FitTo({ points }: { points: LatLon[] }) {
  const map = useMap();
  const key = points.map((p) => `${p.lat.toFixed(4)},${p.lon.toFixed(4)}`).join(";");
  useEffect(() => {
    if (points.length === 0) return;
    const bounds = L.latLngBounds(points.map(pt));
    // No animation: a card that unmounts mid-zoom would leave Leaflet moving a removed pane.
    map.fitBounds(bounds.pad(points.length === 1 ? 0 : 0.15), { maxZoom: 14, animate: false });
  }, [key, map]); // `key` stands for `points`: refit only when they really change
  return null;
}

export interface Car {
  id: string;
  position: LatLon;
  label: string;
}

export function MapView({
  stations,
  selected = [],
  onStationClick,
  showZones = false,
  showAreas = false,
  path,
  cars = [],
  badges = {},
  labels = false,
  height = "h-80",
  children,
}: {
  stations: Station[];
  selected?: string[];
  onStationClick?: (id: string) => void;
  showZones?: boolean;
  showAreas?: boolean;
  path?: LatLon[];
  cars?: Car[];
  badges?: Record<string, string>;
  /** Name every station on the map, not only on hover. */
  labels?: boolean;
  height?: string;
  children?: ReactNode;
}) {
  const { tileUrl, tileAttribution } = uiConfig();
  return (
    <div
      className={`${height} w-full overflow-hidden rounded-2xl ring-1 ring-slate-200`}
      data-testid="map"
    >
      <MapContainer center={CENTRE} zoom={12} scrollWheelZoom={false} className="h-full w-full">
        {tileUrl && <TileLayer url={tileUrl} attribution={tileAttribution} />}
        <FitTo points={[...stations.map((s) => s.location), ...(path ?? [])]} />
        {showZones &&
          stations.map((s) => (
            <Circle
              key={`zone-${s.id}`}
              center={pt(s.location)}
              radius={s.triggerRadiusM}
              pathOptions={{ color: "#6366f1", weight: 1, fillOpacity: 0.06, dashArray: "4 4" }}
            />
          ))}
        {showAreas &&
          stations.flatMap((s) =>
            s.areas.map((a) => (
              <CircleMarker
                key={`${s.id}-${a.id}`}
                center={pt(a.location)}
                radius={4}
                pathOptions={{ color: "#0d9488", weight: 1, fillOpacity: 0.7 }}
              >
                <Tooltip>{a.name}</Tooltip>
              </CircleMarker>
            )),
          )}
        {path && path.length > 1 && (
          <Polyline
            positions={path.map(pt)}
            pathOptions={{ color: "#4f46e5", weight: 4, opacity: 0.7 }}
          />
        )}
        {stations.map((s) => {
          const order = selected.indexOf(s.id);
          const on = order >= 0;
          return (
            <CircleMarker
              key={s.id}
              center={pt(s.location)}
              radius={on ? 10 : 7}
              pathOptions={{
                color: on ? "#4338ca" : "#334155",
                fillColor: on ? "#6366f1" : "#fff",
                fillOpacity: 1,
                weight: 2,
              }}
              eventHandlers={onStationClick ? { click: () => onStationClick(s.id) } : undefined}
            >
              {badges[s.id] && !on ? (
                // A short permanent badge (e.g. riders waiting); the name on hover.
                <Tooltip permanent direction="top" offset={[0, -8]} className="badge">
                  {badges[s.id]}
                </Tooltip>
              ) : (
                <Tooltip permanent={labels || on} direction="top" offset={[0, -8]}>
                  {on ? `${order + 1}. ` : ""}
                  {s.name}
                </Tooltip>
              )}
            </CircleMarker>
          );
        })}
        {cars.map((c) => (
          <Marker key={c.id} position={pt(c.position)} icon={carIcon} title={c.label} alt={c.label}>
            <Tooltip>{c.label}</Tooltip>
          </Marker>
        ))}
        {children}
      </MapContainer>
    </div>
  );
}
