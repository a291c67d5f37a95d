// The rider: ask for a ride from a station (list or map) to one of its areas, then follow it
// live: WAITING -> MATCHED (driver, vehicle, ETA) -> PICKED_UP -> DROPPED_OFF.
import { useCallback, useEffect, useMemo, useState, type FormEvent } from "react";
import { fieldErrors } from "../api/client";
import type { RideRequest, Station } from "../api/types";
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
import { MapView, type Car } from "../components/MapView";
import { distanceM } from "../lib/geo";
import { STEPS, etaMinutes, localInputIn, localInputToIso, statusView } from "../lib/status";
import { useStations } from "../lib/useStations";
import { useOnNotification } from "../state/notifications";
import { useSession } from "../state/session";

export function RiderPage() {
  const { api } = useSession();
  const { stations, error: stationsError } = useStations(api);
  const [requests, setRequests] = useState<RideRequest[]>([]);
  const [loaded, setLoaded] = useState(false);

  const refresh = useCallback(async () => {
    const list = await api.requests();
    // The list is brief; the open request is read whole, with its driver.
    const open = list.find((r) => statusView(r.status).open);
    const full = open?.tripId ? await api.request(open.id) : null;
    setRequests(full ? list.map((r) => (r.id === full.id ? full : r)) : list);
    setLoaded(true);
  }, [api]);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  useOnNotification(() => void refresh());

  const current = requests.find((r) => statusView(r.status).open);
  const past = requests.filter((r) => r !== current);
  const byId = useMemo(() => new Map(stations.map((s) => [s.id, s])), [stations]);

  return (
    <WithInbox>
      <FormError message={stationsError} />
      {loaded && !current && <RequestForm stations={stations} onCreated={refresh} />}
      {current && (
        <RideCard request={current} station={byId.get(current.stationId)} onChanged={refresh} />
      )}
      <Card title="Your rides" testId="history">
        {past.length === 0 ? (
          <p className="text-sm text-slate-500">No past rides yet.</p>
        ) : (
          <ul className="divide-y divide-slate-100">
            {past.map((r) => {
              const s = byId.get(r.stationId);
              return (
                <li key={r.id} className="flex items-center justify-between py-2 text-sm">
                  <span>
                    {s?.name ?? r.stationId} →{" "}
                    {s?.areas.find((a) => a.id === r.destinationAreaId)?.name ??
                      r.destinationAreaId}
                    <span className="ml-2 text-slate-500">
                      {new Date(r.arrivalTime).toLocaleString()}
                    </span>
                  </span>
                  <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium">
                    {statusView(r.status).label}
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </Card>
    </WithInbox>
  );
}

function RequestForm({
  stations,
  onCreated,
}: {
  stations: Station[];
  onCreated: () => Promise<void>;
}) {
  const { api } = useSession();
  const [stationId, setStationId] = useState("");
  const [areaId, setAreaId] = useState("");
  const [arrival, setArrival] = useState(() => localInputIn(10));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const station = stations.find((s) => s.id === stationId);

  function pick(id: string) {
    setStationId(id);
    setAreaId("");
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!stationId) local.stationId = "Choose the station you arrive at.";
    if (!areaId) local.destinationAreaId = "Choose where you are going.";
    if (!arrival) local.arrivalTime = "When do you arrive?";
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      await api.createRequest(stationId, areaId, localInputToIso(arrival));
      await onCreated();
    } catch (error) {
      setErrors(fieldErrors(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Where to?" testId="request-form">
      <form className="grid gap-4 md:grid-cols-2" onSubmit={submit} noValidate>
        <div className="flex flex-col gap-4">
          <FormError message={errors.form} />
          <Field id="stationId" label="Metro station" error={errors.stationId}>
            <NamedSelect
              id="stationId"
              value={stationId}
              onChange={pick}
              items={stations}
              placeholder="Choose a station…"
            />
          </Field>
          <Field id="destinationAreaId" label="Going to" error={errors.destinationAreaId}>
            <NamedSelect
              id="destinationAreaId"
              value={areaId}
              onChange={setAreaId}
              items={station?.areas ?? []}
              placeholder={station ? "Choose an area…" : "Choose a station first"}
              disabled={!station}
            />
          </Field>
          <Field id="arrivalTime" label="I reach the station at" error={errors.arrivalTime}>
            <input
              id="arrivalTime"
              type="datetime-local"
              className={inputClass}
              value={arrival}
              onChange={(e) => setArrival(e.target.value)}
            />
          </Field>
          <button type="submit" className={buttonClass} disabled={busy}>
            Request a ride
          </button>
        </div>
        <MapView
          stations={stations}
          selected={stationId ? [stationId] : []}
          onStationClick={pick}
          showAreas={Boolean(station)}
        />
      </form>
    </Card>
  );
}

function RideCard({
  request,
  station,
  onChanged,
}: {
  request: RideRequest;
  station?: Station;
  onChanged: () => Promise<void>;
}) {
  const { api } = useSession();
  const view = statusView(request.status);
  const [car, setCar] = useState<Car | null>(null);
  const [error, setError] = useState("");
  const area = station?.areas.find((a) => a.id === request.destinationAreaId);

  // While a driver is on the way: where the car is (the trip's position) and the ETA from it.
  useEffect(() => {
    if (request.status !== "MATCHED" || !request.tripId) {
      setCar(null);
      return;
    }
    let stop = false;
    const follow = async () => {
      try {
        const at = await api.tripPosition(request.tripId!);
        if (!stop)
          setCar({
            id: request.driver?.id ?? "driver",
            position: at.location,
            label: request.driver?.name ?? "Your driver",
          });
      } catch {
        // the next poll tries again
      }
    };
    void follow();
    const timer = setInterval(follow, 3000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [api, request.status, request.tripId, request.driver?.name]);

  async function cancel() {
    setError("");
    try {
      await api.cancelRequest(request.id);
      await onChanged();
    } catch (e) {
      setError(fieldErrors(e).form ?? "Could not cancel.");
    }
  }

  const eta =
    car && station ? etaMinutes(distanceM(car.position, station.location), 25 / 3.6) : null;
  return (
    <Card testId="ride-card">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <p className="text-sm text-slate-500">
            {station?.name ?? request.stationId} → {area?.name ?? request.destinationAreaId}
          </p>
          <h2 className="text-2xl font-bold" data-testid="ride-status" data-status={request.status}>
            {view.label}
          </h2>
          <p className="text-slate-600">{view.detail}</p>
        </div>
        {view.open && request.status !== "PICKED_UP" && (
          <button className={quietButtonClass} onClick={cancel}>
            Cancel ride
          </button>
        )}
      </div>
      <ol className="my-4 grid grid-cols-4 gap-2" aria-label="Progress">
        {STEPS.map((s, i) => (
          <li
            key={s}
            className={`rounded-lg px-2 py-1 text-center text-xs font-medium ${i <= view.step ? "bg-indigo-600 text-white" : "bg-slate-100 text-slate-500"}`}
            aria-current={i === view.step ? "step" : undefined}
          >
            {s}
          </li>
        ))}
      </ol>
      {request.driver && (
        <div className="mb-4 rounded-xl bg-indigo-50 p-3" data-testid="driver-info">
          <p className="font-semibold">{request.driver.name}</p>
          {request.driver.vehicle && (
            <p className="text-sm text-slate-600">
              {request.driver.vehicle.model} · {request.driver.vehicle.plate}
            </p>
          )}
          {eta !== null && request.status === "MATCHED" && (
            <p className="text-sm text-indigo-800">
              About {eta} min to {station?.name}
            </p>
          )}
        </div>
      )}
      <FormError message={error} />
      {station && (
        <MapView
          stations={[station]}
          selected={[station.id]}
          showZones
          cars={car ? [car] : []}
          height="h-56"
        />
      )}
    </Card>
  );
}
