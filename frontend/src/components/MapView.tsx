// The map: the metro lines and every station named on them (data shipped with the UI, so the
// map speaks without a tile server), trigger zones, areas with their names, a route line,
// cars (those at one place as one marker with a count), and a legend. Tiles from the
// configured URL go underneath when there are any.
import L from "leaflet";
import { useEffect, type ReactNode } from "react";
import {
  Circle,
  CircleMarker,
  GeoJSON,
  MapContainer,
  Marker,
  Polyline,
  TileLayer,
  Tooltip,
  useMap,
} from "react-leaflet";
import type { Area, LatLon, Station } from "../api/types";
import metro from "../data/metro.json";
import { clusterByPlace, type Placed } from "../lib/cluster";
import { uiConfig } from "../lib/config";
import { labelSide } from "../lib/labels";
import "./map.css";

const CENTRE: [number, number] = [12.955, 77.6];
const pt = (p: LatLon): [number, number] => [p.lat, p.lon];
const METRO = metro as GeoJSON.FeatureCollection<GeoJSON.LineString, MetroLine>;
// Areas get their names on the map when there are few enough to read.
const NAMED_AREAS_MAX = 8;

interface MetroLine {
  id: string;
  name: string;
  colour: string;
  stations: string[];
}

// Drawn, not an emoji: phones and headless browsers without an emoji font show it the same.
const CAR_SVG =
  '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true">' +
  '<circle cx="12" cy="12" r="11" fill="#b45309" stroke="#fff" stroke-width="2"/>' +
  '<path d="M7 14l1.2-3.6A1.5 1.5 0 0 1 9.6 9.4h4.8a1.5 1.5 0 0 1 1.4 1l1.2 3.6v2.5h-1.6v-1H8.6v1H7z" fill="#fff"/>' +
  "</svg>";

function carIcon(count: number): L.DivIcon {
  const badge = count > 1 ? `<span class="car-count">${count}</span>` : "";
  return L.divIcon({
    className: "car-marker",
    html: CAR_SVG + badge,
    iconSize: [26, 26],
    iconAnchor: [13, 13],
  });
}

/** Frames the stations (and path) once they are known, again when they change, and when the
 * map changes size (a phone turned on its side): a frame made for another width cuts names off. */
function FitTo({ points }: { points: LatLon[] }) {
  const map = useMap();
  const key = points.map((p) => `${p.lat.toFixed(4)},${p.lon.toFixed(4)}`).join(";");
  useEffect(() => {
    if (points.length === 0) return;
    const bounds = L.latLngBounds(points.map(pt)).pad(points.length === 1 ? 0 : 0.25);
    // No animation: a card that unmounts mid-zoom would leave Leaflet moving a removed pane.
    // Room on the right for the names, which sit to the right of their stations.
    const fit = () =>
      map.fitBounds(bounds, { maxZoom: 14, animate: false, paddingBottomRight: [100, 0] });
    fit();
    map.on("resize", fit);
    return () => {
      map.off("resize", fit);
    };
  }, [key, map]); // `key` stands for `points`: refit only when they really change
  return null;
}

export type Car = Placed;

function uniqueAreas(stations: Station[]): Area[] {
  const seen = new Map<string, Area>();
  stations.forEach((s) => s.areas.forEach((a) => seen.set(a.id, a)));
  return [...seen.values()];
}

function Legend({ zones, areas, path, cars }: Record<string, boolean>) {
  const row = (symbol: ReactNode, text: string) => (
    <li className="flex items-center gap-2">
      {symbol}
      {text}
    </li>
  );
  const swatch = (colour: string) => (
    <span className="inline-block h-1.5 w-5 rounded" style={{ background: colour }} />
  );
  return (
    <ul
      className="mt-2 flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-800 sm:absolute sm:bottom-2 sm:left-2 sm:z-[500] sm:mt-0 sm:block sm:space-y-0.5 sm:rounded-lg sm:bg-white/95 sm:px-2 sm:py-1.5 sm:shadow sm:ring-1 sm:ring-slate-300"
      aria-label="Map legend"
      data-testid="map-legend"
    >
      {METRO.features.map((f) => (
        <li key={f.properties.id} className="flex items-center gap-2">
          {swatch(f.properties.colour)}
          {f.properties.name}
        </li>
      ))}
      {row(
        <span className="inline-block h-3 w-3 rounded-full border-2 border-slate-800 bg-white" />,
        "Station",
      )}
      {zones &&
        row(
          <span className="inline-block h-3 w-3 rounded-full border border-dashed border-indigo-700" />,
          "Matching zone",
        )}
      {areas && row(<span className="inline-block h-2.5 w-2.5 rounded-full bg-teal-700" />, "Area")}
      {path && row(swatch("#4338ca"), "Route")}
      {cars && row(<span className="inline-block h-3 w-3 rounded-full bg-amber-700" />, "Car")}
    </ul>
  );
}

export function MapView({
  stations,
  selected = [],
  onStationClick,
  showZones = false,
  showAreas = false,
  areas,
  path,
  cars = [],
  badges = {},
  frame,
  height = "h-80",
  children,
}: {
  stations: Station[];
  selected?: string[];
  onStationClick?: (id: string) => void;
  showZones?: boolean;
  /** Every area of the stations shown; `areas` picks some instead. */
  showAreas?: boolean;
  areas?: Area[];
  path?: LatLon[];
  cars?: Car[];
  /** A short text beside a station's name, e.g. riders waiting there. */
  badges?: Record<string, string>;
  /** What the map frames (default: the stations and the path). */
  frame?: LatLon[];
  height?: string;
  children?: ReactNode;
}) {
  const { tileUrl, tileAttribution } = uiConfig();
  const shownAreas = areas ?? (showAreas ? uniqueAreas(stations) : []);
  const nameAreas = shownAreas.length <= NAMED_AREAS_MAX;
  const groups = clusterByPlace(cars);
  return (
    // On a phone the legend goes under the map, where it hides nothing; wider, in its corner.
    <div className="relative w-full" data-testid="map">
      <div className={`${height} w-full overflow-hidden rounded-2xl ring-1 ring-slate-300`}>
        <MapContainer
          center={CENTRE}
          zoom={12}
          zoomSnap={0.25}
          scrollWheelZoom={false}
          className="h-full w-full"
        >
          {tileUrl && <TileLayer url={tileUrl} attribution={tileAttribution} />}
          <FitTo points={frame ?? [...stations.map((s) => s.location), ...(path ?? [])]} />
          <GeoJSON
            data={METRO}
            interactive={false}
            style={(f) => ({
              color: (f?.properties as MetroLine).colour,
              weight: 5,
              opacity: 0.75,
              className: "metro-line",
            })}
          />
          {showZones &&
            stations.map((s) => (
              <Circle
                key={`zone-${s.id}`}
                center={pt(s.location)}
                radius={s.triggerRadiusM}
                interactive={false}
                pathOptions={{ color: "#4338ca", weight: 1, fillOpacity: 0.05, dashArray: "4 4" }}
              />
            ))}
          {shownAreas.map((a) => (
            <CircleMarker
              key={`area-${a.id}`}
              center={pt(a.location)}
              radius={5}
              pathOptions={{ color: "#fff", weight: 1.5, fillColor: "#0f766e", fillOpacity: 1 }}
            >
              <Tooltip
                key={`${nameAreas}`}
                permanent={nameAreas}
                direction="right"
                offset={[6, 0]}
                className="area-label"
              >
                {a.name}
              </Tooltip>
            </CircleMarker>
          ))}
          {path && path.length > 1 && (
            <Polyline
              positions={path.map(pt)}
              interactive={false}
              pathOptions={{ color: "#4338ca", weight: 4, opacity: 0.85, dashArray: "8 6" }}
            />
          )}
          {stations.map((s) => {
            const order = selected.indexOf(s.id);
            const on = order >= 0;
            const badge = badges[s.id];
            return (
              <CircleMarker
                key={s.id}
                center={pt(s.location)}
                radius={on ? 9 : 7}
                pathOptions={{
                  color: on ? "#312e81" : "#1e293b",
                  fillColor: on ? "#4f46e5" : "#fff",
                  fillOpacity: 1,
                  weight: 2.5,
                }}
                eventHandlers={onStationClick ? { click: () => onStationClick(s.id) } : undefined}
              >
                {/* Keyed on what it shows: Leaflet reads a tooltip's options only when it is made. */}
                <Tooltip
                  key={`${on}-${badge ?? ""}`}
                  permanent
                  {...labelSide(s.id)}
                  className={on ? "station-label chosen" : "station-label"}
                >
                  {on && selected.length > 1 ? `${order + 1}. ` : ""}
                  {s.name}
                  {badge && <span className="station-badge">{badge}</span>}
                </Tooltip>
              </CircleMarker>
            );
          })}
          {groups.map((g) => {
            const label =
              g.members.length > 1
                ? `${g.members.length} cars: ${g.members.map((m) => m.label).join("; ")}`
                : g.members[0].label;
            return (
              <Marker
                key={g.key}
                position={pt(g.position)}
                icon={carIcon(g.members.length)}
                title={label}
                alt={label}
              >
                <Tooltip>{label}</Tooltip>
              </Marker>
            );
          })}
          {children}
        </MapContainer>
      </div>
      <Legend
        zones={showZones}
        areas={shownAreas.length > 0}
        path={Boolean(path && path.length > 1)}
        cars={cars.length > 0}
      />
    </div>
  );
}
