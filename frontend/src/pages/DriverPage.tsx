// The driver: build a route by picking stations in order (map or list), choose a destination
// among their areas and the seats, then drive it, simulated or by the device's GPS (a drive in
// progress survives a reload). Riders waiting for the destination show per station; matched
// riders appear live, to be picked up with the PIN they tell or marked no-show; after the
// trip, the riders are rated; the day's earnings stay on top.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { ApiError, fieldErrors } from "../api/client";
import type { Earnings, LatLon, Route, Station, Trip } from "../api/types";
import {
  Card,
  Field,
  FormError,
  NamedSelect,
  buttonClass,
  inputClass,
  selectClass,
  quietButtonClass,
} from "../components/Field";
import { WithInbox } from "../components/Live";
import { MapView } from "../components/MapView";
import { Stars } from "../components/Stars";
import { StatusBadge } from "../components/StatusBadge";
import { LoadError, SkeletonLines } from "../components/States";
import {
  DriveStepper,
  GeolocationSource,
  SimulatedSource,
  drivePath,
  saveDrive,
  savedDrive,
  type PositionSource,
} from "../lib/drive";
import { formatInr } from "../lib/fare";
import {
  MAX_SEATS,
  destinationOptions,
  moveStation,
  toggleStation,
  validateRoute,
} from "../lib/routeBuilder";
import { useLoad } from "../lib/useLoad";
import { useStations } from "../lib/useStations";
import { useLive, useOnNotification } from "../state/notifications";
import { useSession } from "../state/session";

export const SPEEDS_KMH = [30, 50, 80, 300];
const MAX_REPORTED_SPEED_MPS = 100;

export default function DriverPage() {
  const { api } = useSession();
  const { stations, error: stationsError } = useStations(api);
  const [route, setRoute] = useState<Route | null>(null);
  const [trip, setTrip] = useState<Trip | null>(null);

  const [earnings, setEarnings] = useState<Earnings | null>(null);
  const [toRate, setToRate] = useState<string | null>(() => localStorage.getItem(RATE_KEY));

  const load = useCallback(async () => {
    let current: Route | null = null;
    try {
      current = await api.currentRoute();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    setRoute(current);
    setTrip(current?.tripId ? await api.trip(current.tripId) : null);
    api.earnings().then(setEarnings, () => undefined);
  }, [api]);
  const { loading, error, reload: refresh } = useLoad(load);
  useOnNotification(() => void refresh());

  function completed(tripId: string) {
    localStorage.setItem(RATE_KEY, tripId);
    setToRate(tripId);
  }
  function rated() {
    localStorage.removeItem(RATE_KEY);
    setToRate(null);
  }

  return (
    <WithInbox>
      <FormError message={stationsError} />
      {earnings && (
        <p
          className="flex items-baseline justify-between rounded-2xl bg-emerald-700 px-4 py-3 text-white shadow-sm"
          data-testid="earnings"
        >
          <span className="text-sm">Earned today</span>
          <span>
            <strong className="text-2xl">{formatInr(earnings.amount)}</strong>
            <span className="ml-2 text-sm text-emerald-100">
              {earnings.rides} ride{earnings.rides === 1 ? "" : "s"} · {earnings.trips} trip
              {earnings.trips === 1 ? "" : "s"}
            </span>
          </span>
        </p>
      )}
      {toRate && !route && <RateRiders tripId={toRate} onDone={rated} />}
      {loading && (
        <Card title="Your drive">
          <SkeletonLines lines={4} label="Loading your drive…" />
        </Card>
      )}
      {error && <LoadError what="your drive" message={error} onRetry={() => void refresh()} />}
      {!loading && !error && !route && <RouteBuilder stations={stations} onCreated={refresh} />}
      {route && (
        <Drive
          route={route}
          trip={trip}
          stations={stations}
          onChanged={refresh}
          onCompleted={completed}
        />
      )}
    </WithInbox>
  );
}

const RATE_KEY = "lastmile.driver.rate";

// A rider's state as the driver reads it.
const DRIVER_LABELS: Record<string, string> = {
  MATCHED: "To pick up",
  PICKED_UP: "On board",
  DROPPED_OFF: "Dropped off",
  NO_SHOW: "No-show",
  CANCELLED: "Cancelled",
};

/** Rider names come with the MATCHED notifications. */
function useRiderNames(): Record<string, string> {
  const { items } = useLive();
  return useMemo(() => {
    const out: Record<string, string> = {};
    for (const n of items) {
      const d = n.data as { riderId?: string; riderName?: string };
      if (n.kind === "MATCHED" && d.riderId && d.riderName) out[d.riderId] = d.riderName;
    }
    return out;
  }, [items]);
}

function RateRiders({ tripId, onDone }: { tripId: string; onDone: () => void }) {
  const { api } = useSession();
  const names = useRiderNames();
  const [trip, setTrip] = useState<Trip | null>(null);
  const [done, setDone] = useState<Record<string, number>>({});
  const [error, setError] = useState("");
  useEffect(() => {
    api.trip(tripId).then(setTrip, () => onDone());
  }, [api, tripId, onDone]);
  const riders = (trip?.riders ?? []).filter(
    (r) => r.status === "DROPPED_OFF" || r.status === "NO_SHOW",
  );

  async function rate(riderId: string, stars: number) {
    setError("");
    try {
      await api.rate(tripId, stars, "", riderId);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) {
        setError(fieldErrors(e).form ?? "Could not send the rating.");
        return;
      }
    }
    setDone((prev) => ({ ...prev, [riderId]: stars }));
  }

  if (!trip) return null;
  return (
    <Card title="Rate your riders" testId="rate-riders">
      <FormError message={error} />
      {riders.length === 0 && <p className="text-sm text-slate-500">Nobody rode this trip.</p>}
      <ul className="space-y-2">
        {riders.map((r) => (
          <li
            key={r.requestId}
            className="flex flex-wrap items-center gap-2"
            data-testid="rate-rider"
          >
            <span className="flex-1 font-medium">
              {names[r.riderId] ?? "Rider"}
              {r.status === "NO_SHOW" && (
                <span className="ml-2 text-xs text-slate-500">no-show</span>
              )}
            </span>
            {done[r.riderId] ? (
              <span className="text-sm text-emerald-800">Rated {done[r.riderId]} ★</span>
            ) : (
              [1, 2, 3, 4, 5].map((n) => (
                <button
                  key={n}
                  className="h-11 w-11 rounded-full text-2xl text-amber-600 hover:bg-amber-50 focus-visible:outline-2 focus-visible:outline-indigo-700"
                  aria-label={`Rate ${names[r.riderId] ?? "rider"} ${n} star${n > 1 ? "s" : ""}`}
                  onClick={() => void rate(r.riderId, n)}
                >
                  ★
                </button>
              ))
            )}
          </li>
        ))}
      </ul>
      <button className={`${quietButtonClass} mt-3`} onClick={onDone}>
        Done
      </button>
    </Card>
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
                    className={`rounded-full px-3 py-1 text-sm ${order >= 0 ? "bg-indigo-700 text-white" : "bg-slate-100 text-slate-800 hover:bg-slate-200"} focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700`}
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
  onCompleted,
}: {
  route: Route;
  trip: Trip | null;
  stations: Station[];
  onChanged: () => Promise<void>;
  onCompleted: (tripId: string) => void;
}) {
  const { api } = useSession();
  const names = useRiderNames();
  const resumed = useMemo(() => savedDrive(route.id), [route.id]);
  const [speedKmh, setSpeedKmh] = useState(resumed?.speedKmh ?? SPEEDS_KMH[1]);
  const [position, setPosition] = useState<LatLon | null>(null);
  const [driving, setDriving] = useState<"simulated" | "gps" | null>(null);
  const [error, setError] = useState("");
  const [waiting, setWaiting] = useState<Record<string, number>>({});
  const [nobody, setNobody] = useState<string[]>([]);
  const [pins, setPins] = useState<Record<string, string>>({});
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
  const areaNames = useMemo(
    () => new Map(stations.flatMap((s) => s.areas).map((a) => [a.id, a.name])),
    [stations],
  );
  const path = destination
    ? drivePath(
        routeStations.map((s) => s.location),
        destination.location,
      )
    : [];

  // Riders waiting for this destination at each station, before and while driving.
  const readWaiting = useCallback(() => {
    api.waitingForMe().then(
      (w) => setWaiting(w.waiting),
      () => undefined,
    );
  }, [api]);
  useEffect(() => {
    readWaiting();
    const timer = setInterval(readWaiting, 10000);
    return () => clearInterval(timer);
  }, [readWaiting]);
  useOnNotification(readWaiting);

  useEffect(() => () => stopRef.current?.(), []);

  function start(mode: "simulated" | "gps", from = 0) {
    setError("");
    setDriving(mode);
    const stepper = new DriveStepper(path, speedKmh / 3.6, from);
    const source: PositionSource =
      mode === "gps" ? new GeolocationSource() : new SimulatedSource(stepper);
    const speedMps = Math.min(MAX_REPORTED_SPEED_MPS, speedKmh / 3.6);
    stopRef.current = source.start((fix) => {
      setPosition(fix.position);
      saveDrive(
        fix.done
          ? null
          : {
              routeId: route.id,
              mode,
              speedKmh,
              travelledM: mode === "gps" ? 0 : stepper.distance,
            },
      );
      const speed = mode === "gps" ? fix.speedMps || undefined : speedMps;
      sending.current = api.sendLocation(fix.position.lat, fix.position.lon, speed).then(
        (answer) => {
          if (!answer.triggered.length) return;
          const empty = answer.triggered.filter((t) => t.riderIds.length === 0);
          if (empty.length) setNobody((prev) => [...prev, ...empty.map((t) => t.stationId)]);
          void onChanged();
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
      if (fix.done) setDriving(null);
    });
  }

  // A drive in progress when the page was reloaded carries on where it was.
  useEffect(() => {
    if (resumed && path.length > 0 && !stopRef.current) start(resumed.mode, resumed.travelledM);
  }, [resumed, path.length]);

  function stop() {
    stopRef.current?.();
    stopRef.current = null;
    setDriving(null);
    saveDrive(null);
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
      if (e instanceof ApiError && e.field === "pin") {
        setError("That PIN is not right: ask the rider for the four digits on their screen.");
      } else setError(fieldErrors(e).form ?? Object.values(fieldErrors(e))[0]);
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
        <Field id="speed" label="Simulated speed">
          <select
            id="speed"
            className={selectClass}
            value={speedKmh}
            onChange={(e) => setSpeedKmh(Number(e.target.value))}
            disabled={driving !== null}
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
            Stop {driving === "gps" ? "GPS" : "driving"}
          </button>
        ) : (
          <>
            <button
              className={buttonClass}
              onClick={() => start("simulated")}
              disabled={path.length === 0}
            >
              Start driving
            </button>
            {"geolocation" in navigator && (
              <button className={quietButtonClass} onClick={() => start("gps")}>
                Drive with GPS
              </button>
            )}
          </>
        )}
        {trip?.status === "ACTIVE" && (
          <button
            className="rounded-lg bg-emerald-700 px-4 py-3 text-lg font-semibold text-white hover:bg-emerald-800"
            onClick={() =>
              act(async () => {
                await stopAndSettle();
                await api.completeTrip(trip.id);
                onCompleted(trip.id);
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
            const count = waiting[s.id];
            return (
              <div key={s.id} className="rounded-xl bg-slate-50 p-3" data-testid="route-station">
                <p className="flex items-center justify-between font-semibold">
                  {s.name}
                  {count !== undefined && (
                    <span
                      className="text-xs font-normal text-slate-600"
                      data-testid="waiting-count"
                    >
                      {count} waiting for {destination?.name ?? "your destination"}
                    </span>
                  )}
                </p>
                {nobody.includes(s.id) && riders.length === 0 && (
                  <p className="mt-1 text-sm text-amber-800" data-testid="no-riders">
                    No riders for you here this time.
                  </p>
                )}
                {riders.length === 0 ? (
                  !nobody.includes(s.id) && (
                    <p className="text-sm text-slate-500">No riders matched here yet.</p>
                  )
                ) : (
                  <ul className="mt-2 space-y-3">
                    {riders.map((r) => (
                      <li
                        key={r.requestId}
                        className="flex flex-wrap items-center gap-2"
                        data-testid="matched-rider"
                      >
                        <span className="flex-1 font-medium">
                          {names[r.riderId] ?? "Rider"} <Stars rating={r.rating} />
                        </span>
                        <StatusBadge status={r.status} label={DRIVER_LABELS[r.status]} />
                        {r.dropOrder != null && r.destinationAreaId && (
                          <span className="w-full text-sm text-slate-600" data-testid="drop-off">
                            Drop {r.dropOrder}: {areaNames.get(r.destinationAreaId) ?? "their area"}
                            {(r.detourM ?? 0) > 0 &&
                              ` (${((r.detourM ?? 0) / 1000).toFixed(1)} km off your way)`}
                          </span>
                        )}
                        {r.status === "MATCHED" && trip && (
                          <div className="flex w-full flex-wrap items-center gap-2">
                            <input
                              aria-label={`PIN of ${names[r.riderId] ?? "the rider"}`}
                              data-testid="pin-input"
                              inputMode="numeric"
                              autoComplete="off"
                              maxLength={4}
                              placeholder="PIN"
                              className={`${inputClass} w-24 text-center font-mono text-xl tracking-widest`}
                              value={pins[r.riderId] ?? ""}
                              onChange={(e) =>
                                setPins((prev) => ({
                                  ...prev,
                                  [r.riderId]: e.target.value.replace(/\D/g, "").slice(0, 4),
                                }))
                              }
                            />
                            <button
                              className="rounded-lg bg-emerald-700 px-4 py-3 font-semibold text-white hover:bg-emerald-800 disabled:opacity-50"
                              disabled={(pins[r.riderId] ?? "").length !== 4}
                              onClick={() =>
                                act(() =>
                                  api.pickUp(trip.id, [
                                    { riderId: r.riderId, pin: pins[r.riderId] },
                                  ]),
                                )
                              }
                            >
                              Picked up
                            </button>
                            <button
                              className="rounded-lg bg-white px-4 py-3 font-semibold text-slate-700 ring-1 ring-slate-300 hover:bg-slate-100"
                              onClick={() => act(() => api.noShow(trip.id, [r.riderId]))}
                            >
                              No-show
                            </button>
                          </div>
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
