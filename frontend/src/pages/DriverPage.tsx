// The driver: build a route by picking stations in order (map or list), choose a destination
// among their areas and the seats, then drive it. "Start driving" runs an in-browser drive
// sending a position every second; matched riders appear live per station, to be marked
// picked up or no-show, and the trip completed.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { ApiError, fieldErrors } from "../api/client";
import type { LatLon, Route, Station, Trip } from "../api/types";
import {
  Card,
  Field,
  FormError,
  NamedSelect,
  buttonClass,
  inputClass,
  quietButtonClass,
} from "../components/Field";
import { WithInbox } from "../components/Live";
import { MapView } from "../components/MapView";
import { DriveStepper, SimulatedSource, drivePath, type PositionSource } from "../lib/drive";
import {
  MAX_SEATS,
  destinationOptions,
  moveStation,
  toggleStation,
  validateRoute,
} from "../lib/routeBuilder";
import { useStations } from "../lib/useStations";
import { useLive, useOnNotification } from "../state/notifications";
import { useSession } from "../state/session";

export const SPEEDS_KMH = [30, 50, 80, 300];
const MAX_REPORTED_SPEED_MPS = 100;

export function DriverPage() {
  const { api } = useSession();
  const { stations, error: stationsError } = useStations(api);
  const [route, setRoute] = useState<Route | null>(null);
  const [trip, setTrip] = useState<Trip | null>(null);
  const [loaded, setLoaded] = useState(false);

  const refresh = useCallback(async () => {
    let current: Route | null = null;
    try {
      current = await api.currentRoute();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    setRoute(current);
    setTrip(current?.tripId ? await api.trip(current.tripId) : null);
    setLoaded(true);
  }, [api]);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  useOnNotification(() => void refresh());

  return (
    <WithInbox>
      <FormError message={stationsError} />
      {loaded && !route && <RouteBuilder stations={stations} onCreated={refresh} />}
      {route && <Drive route={route} trip={trip} stations={stations} onChanged={refresh} />}
    </WithInbox>
  );
}

function RouteBuilder({
  stations,
  onCreated,
}: {
  stations: Station[];
  onCreated: () => Promise<void>;
}) {
  const { api } = useSession();
  const [picked, setPicked] = useState<string[]>([]);
  const [destination, setDestination] = useState("");
  const [seats, setSeats] = useState(3);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const byId = useMemo(() => new Map(stations.map((s) => [s.id, s])), [stations]);
  const options = destinationOptions(picked, stations);

  function toggle(id: string) {
    const next = toggleStation(picked, id);
    setPicked(next);
    if (!destinationOptions(next, stations).some((a) => a.id === destination)) setDestination("");
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const draft = { stationIds: picked, destinationAreaId: destination, seats };
    const local = validateRoute(draft, stations);
    setErrors(local);
    if (Object.keys(local).length) return;
    try {
      await api.createRoute(picked, destination, seats);
      await onCreated();
    } catch (error) {
      setErrors(fieldErrors(error));
    }
  }

  return (
    <Card title="Your route" testId="route-builder">
      <form className="grid gap-4 md:grid-cols-2" onSubmit={submit} noValidate>
        <div className="flex flex-col gap-4">
          <FormError message={errors.form} />
          <Field
            id="stationIds"
            label="Stations, in the order you pass them"
            error={errors.stationIds}
            hint="Tap stations on the map or below."
          >
            <div className="flex flex-wrap gap-2" id="stationIds" role="group">
              {stations.map((s) => {
                const order = picked.indexOf(s.id);
                return (
                  <button
                    type="button"
                    key={s.id}
                    aria-pressed={order >= 0}
                    onClick={() => toggle(s.id)}
                    className={`rounded-full px-3 py-1 text-sm ${order >= 0 ? "bg-indigo-600 text-white" : "bg-slate-100 text-slate-700 hover:bg-slate-200"}`}
                  >
                    {order >= 0 ? `${order + 1}. ` : ""}
                    {s.name}
                  </button>
                );
              })}
            </div>
          </Field>
          {picked.length > 1 && (
            <ol className="space-y-1 text-sm" aria-label="Route order">
              {picked.map((id, i) => (
                <li key={id} className="flex items-center gap-2">
                  <span className="w-6 text-slate-500">{i + 1}.</span>
                  <span className="flex-1">{byId.get(id)?.name}</span>
                  <button
                    type="button"
                    className="px-2 text-slate-500 hover:text-slate-900"
                    aria-label={`Move ${byId.get(id)?.name} earlier`}
                    onClick={() => setPicked(moveStation(picked, id, -1))}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="px-2 text-slate-500 hover:text-slate-900"
                    aria-label={`Move ${byId.get(id)?.name} later`}
                    onClick={() => setPicked(moveStation(picked, id, 1))}
                  >
                    ↓
                  </button>
                </li>
              ))}
            </ol>
          )}
          <Field id="destinationAreaId" label="Heading to" error={errors.destinationAreaId}>
            <NamedSelect
              id="destinationAreaId"
              value={destination}
              onChange={setDestination}
              items={options}
              placeholder={options.length ? "Choose an area…" : "Pick a station first"}
              disabled={options.length === 0}
            />
          </Field>
          <Field id="seats" label="Free seats" error={errors.seats}>
            <input
              id="seats"
              type="number"
              min={1}
              max={MAX_SEATS}
              className={inputClass}
              value={seats}
              onChange={(e) => setSeats(Number(e.target.value))}
            />
          </Field>
          <button type="submit" className={buttonClass}>
            Create route
          </button>
        </div>
        <MapView
          stations={stations}
          selected={picked}
          onStationClick={toggle}
          showZones
          path={picked.map((id) => byId.get(id)!.location)}
        />
      </form>
    </Card>
  );
}

function Drive({
  route,
  trip,
  stations,
  onChanged,
}: {
  route: Route;
  trip: Trip | null;
  stations: Station[];
  onChanged: () => Promise<void>;
}) {
  const { api } = useSession();
  const { items } = useLive();
  const [speedKmh, setSpeedKmh] = useState(SPEEDS_KMH[1]);
  const [position, setPosition] = useState<LatLon | null>(null);
  const [driving, setDriving] = useState(false);
  const [error, setError] = useState("");
  const stopRef = useRef<(() => void) | null>(null);
  // The position being sent, so ending the route can wait for it (and not race it).
  const sending = useRef<Promise<unknown>>(Promise.resolve());
  const byId = useMemo(() => new Map(stations.map((s) => [s.id, s])), [stations]);
  const routeStations = route.stationIds
    .map((id) => byId.get(id))
    .filter((s): s is Station => Boolean(s));
  const destination = routeStations
    .flatMap((s) => s.areas)
    .find((a) => a.id === route.destinationAreaId);
  const path = destination
    ? drivePath(
        routeStations.map((s) => s.location),
        destination.location,
      )
    : [];

  // Rider names come with the MATCHED notifications.
  const names = useMemo(() => {
    const out: Record<string, string> = {};
    for (const n of items) {
      const d = n.data as { riderId?: string; riderName?: string };
      if (n.kind === "MATCHED" && d.riderId && d.riderName) out[d.riderId] = d.riderName;
    }
    return out;
  }, [items]);

  useEffect(() => () => stopRef.current?.(), []);

  function start(
    source: PositionSource = new SimulatedSource(new DriveStepper(path, speedKmh / 3.6)),
  ) {
    setError("");
    setDriving(true);
    const speedMps = Math.min(MAX_REPORTED_SPEED_MPS, speedKmh / 3.6);
    stopRef.current = source.start((fix) => {
      setPosition(fix.position);
      sending.current = api.sendLocation(fix.position.lat, fix.position.lon, speedMps).then(
        (answer) => {
          if (answer.triggered.length) void onChanged();
        },
        (e: unknown) => {
          if (e instanceof ApiError && e.status === 409) {
            // The route ended (completed or cancelled elsewhere): stop sending.
            stop();
            void onChanged();
          } else {
            setError(e instanceof Error ? e.message : String(e));
          }
        },
      );
      if (fix.done) setDriving(false);
    });
  }

  function stop() {
    stopRef.current?.();
    stopRef.current = null;
    setDriving(false);
  }

  /** Stops the drive and waits for the position in flight, before the route ends. */
  async function stopAndSettle() {
    stop();
    await sending.current;
  }

  async function act(work: () => Promise<unknown>) {
    setError("");
    try {
      await work();
      await onChanged();
    } catch (e) {
      setError(fieldErrors(e).form ?? Object.values(fieldErrors(e))[0]);
    }
  }

  return (
    <Card testId="drive">
      <div className="mb-3 flex flex-wrap items-start justify-between gap-3">
        <div>
          <p className="text-sm text-slate-500">
            Route · {route.seatsFree} of {route.seatsTotal} seats free
          </p>
          <h2 className="text-xl font-bold">
            {routeStations.map((s) => s.name).join(" → ")} →{" "}
            {destination?.name ?? route.destinationAreaId}
          </h2>
        </div>
        <button
          className={quietButtonClass}
          onClick={() =>
            act(async () => {
              await stopAndSettle();
              return api.cancelRoute(route.id);
            })
          }
          disabled={trip?.status === "ACTIVE"}
        >
          Cancel route
        </button>
      </div>
      <div className="mb-4 flex flex-wrap items-end gap-3">
        <Field id="speed" label="Speed">
          <select
            id="speed"
            className={inputClass}
            value={speedKmh}
            onChange={(e) => setSpeedKmh(Number(e.target.value))}
            disabled={driving}
          >
            {SPEEDS_KMH.map((s) => (
              <option key={s} value={s}>
                {s} km/h{s > 100 ? " (demo)" : ""}
              </option>
            ))}
          </select>
        </Field>
        {driving ? (
          <button className={quietButtonClass} onClick={stop}>
            Stop
          </button>
        ) : (
          <button className={buttonClass} onClick={() => start()} disabled={path.length === 0}>
            Start driving
          </button>
        )}
        {trip?.status === "ACTIVE" && (
          <button
            className={buttonClass}
            onClick={() =>
              act(async () => {
                await stopAndSettle();
                return api.completeTrip(trip.id);
              })
            }
          >
            Complete trip
          </button>
        )}
      </div>
      <FormError message={error} />
      <div className="grid gap-4 md:grid-cols-2">
        <div className="space-y-3" data-testid="riders">
          {routeStations.map((s) => {
            const riders = trip?.riders.filter((r) => r.stationId === s.id) ?? [];
            return (
              <div key={s.id} className="rounded-xl bg-slate-50 p-3">
                <p className="font-semibold">{s.name}</p>
                {riders.length === 0 ? (
                  <p className="text-sm text-slate-500">No riders matched here yet.</p>
                ) : (
                  <ul className="mt-2 space-y-2">
                    {riders.map((r) => (
                      <li
                        key={r.riderId}
                        className="flex flex-wrap items-center gap-2 text-sm"
                        data-testid="matched-rider"
                      >
                        <span className="flex-1 font-medium">{names[r.riderId] ?? "Rider"}</span>
                        <span className="rounded-full bg-white px-2 py-0.5 text-xs ring-1 ring-slate-200">
                          {r.status.replace("_", " ").toLowerCase()}
                        </span>
                        {r.status === "MATCHED" && trip && (
                          <>
                            <button
                              className="rounded-lg bg-emerald-600 px-2 py-1 text-xs font-semibold text-white hover:bg-emerald-700"
                              onClick={() => act(() => api.pickUp(trip.id, [r.riderId]))}
                            >
                              Picked up
                            </button>
                            <button
                              className="rounded-lg bg-white px-2 py-1 text-xs font-semibold text-slate-700 ring-1 ring-slate-300 hover:bg-slate-100"
                              onClick={() => act(() => api.noShow(trip.id, [r.riderId]))}
                            >
                              No-show
                            </button>
                          </>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            );
          })}
        </div>
        <MapView
          stations={routeStations}
          selected={route.stationIds}
          showZones
          path={path}
          cars={position ? [{ id: "me", position, label: "You" }] : []}
        />
      </div>
    </Card>
  );
}
