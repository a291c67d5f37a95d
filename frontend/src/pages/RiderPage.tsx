// The rider: ask for a ride from a station (list or map) to one of its areas, with the fare
// and the matching window up front; then follow it live: WAITING -> MATCHED (driver, rating,
// the car moving from pushed positions, the ETA counting down, the PIN) -> PICKED_UP (the car
// on its way to the area) -> DROPPED_OFF (a receipt and a rating).
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { ApiError, fieldErrors } from "../api/client";
import type { CancelReason, RideRequest, Station } from "../api/types";
import {
  Card,
  Field,
  FormError,
  NamedSelect,
  buttonClass,
  chipClass,
  inputClass,
  selectClass,
  quietButtonClass,
} from "../components/Field";
import { WithInbox } from "../components/Live";
import { MapView, type Car } from "../components/MapView";
import { Stars } from "../components/Stars";
import { STATE_TONE, StateIcon, StatusBadge } from "../components/StatusBadge";
import { EmptyState, LoadError, SkeletonLines } from "../components/States";
import { fareInr, formatInr } from "../lib/fare";
import { distanceM } from "../lib/geo";
import { clock, etaLeftS, etaPhrase, matchWindow } from "../lib/live";
import { STEPS, localInputIn, localInputToIso, statusView } from "../lib/status";
import { useLoad } from "../lib/useLoad";
import { useStations } from "../lib/useStations";
import { useNow, useOnNotification, useTripPosition } from "../state/notifications";
import { useSession } from "../state/session";

export default function RiderPage() {
  const { api } = useSession();
  const { stations, error: stationsError } = useStations(api);
  const [requests, setRequests] = useState<RideRequest[]>([]);

  const load = useCallback(async () => {
    const list = await api.requests();
    // The open request, or a ride just over (for its receipt), is read whole, with its driver.
    const open = list.find((r) => statusView(r.status).open);
    const ended = !open && list[0]?.status === "DROPPED_OFF" ? list[0] : null;
    const wanted = open?.tripId ? open : ended;
    const full = wanted ? await api.request(wanted.id) : null;
    setRequests(full ? list.map((r) => (r.id === full.id ? full : r)) : list);
  }, [api]);
  const { loading, error, reload: refresh } = useLoad(load);
  useOnNotification(() => void refresh());

  const current = requests.find((r) => statusView(r.status).open);
  const past = requests.filter((r) => r !== current);
  const byId = useMemo(() => new Map(stations.map((s) => [s.id, s])), [stations]);
  const [settled, setSettled] = useState(() => settledReceipts());
  // The newest ride, just over and not rated or put away yet, gets its receipt.
  const latest = requests[0];
  const receipt =
    !current && latest?.status === "DROPPED_OFF" && !settled.includes(latest.id) ? latest : null;
  const settle = (id: string) => setSettled(settleReceipt(id));

  return (
    <WithInbox>
      <FormError message={stationsError} />
      {receipt && (
        <Receipt
          request={receipt}
          station={byId.get(receipt.stationId)}
          onDone={() => settle(receipt.id)}
        />
      )}
      {error && <LoadError what="your rides" message={error} onRetry={() => void refresh()} />}
      {!loading && !error && !current && <RequestForm stations={stations} onCreated={refresh} />}
      {current && (
        <RideCard request={current} station={byId.get(current.stationId)} onChanged={refresh} />
      )}
      {!error && (
        <Card title="Your rides" testId="history">
          {loading ? (
            <SkeletonLines label="Loading your rides…" />
          ) : past.length === 0 ? (
            <EmptyState title="No rides yet">
              Your rides will show here, with their fares and receipts.
            </EmptyState>
          ) : (
            <ul className="divide-y divide-slate-100">
              {past.map((r) => {
                const s = byId.get(r.stationId);
                return (
                  <li key={r.id} className="py-2 text-sm" data-testid="history-entry">
                    <details>
                      <summary className="flex cursor-pointer items-center justify-between gap-2">
                        <span>
                          {s?.name ?? r.stationId} →{" "}
                          {s?.areas.find((a) => a.id === r.destinationAreaId)?.name ??
                            r.destinationAreaId}
                          <span className="ml-2 text-slate-500">
                            {new Date(r.arrivalTime).toLocaleString()}
                          </span>
                        </span>
                        <StatusBadge status={r.status} />
                      </summary>
                      <dl className="mt-2 grid grid-cols-2 gap-1 rounded-lg bg-slate-50 p-2 text-slate-700">
                        <dt>{r.fare.final ? "Fare paid" : "Fare (estimate)"}</dt>
                        <dd className="text-right font-medium">{formatInr(r.fare.amount)}</dd>
                        {r.cancelReason && (
                          <>
                            <dt>Cancelled because</dt>
                            <dd className="text-right">
                              {REASONS[r.cancelReason as CancelReason] ?? r.cancelReason}
                            </dd>
                          </>
                        )}
                        <dt>Request</dt>
                        <dd className="truncate text-right text-xs text-slate-500">{r.id}</dd>
                      </dl>
                    </details>
                  </li>
                );
              })}
            </ul>
          )}
        </Card>
      )}
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
  // Arriving in five minutes: drivers reaching the station from now on can take the rider.
  const [arrival, setArrival] = useState(() => localInputIn(5));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const station = stations.find((s) => s.id === stationId);
  const area = station?.areas.find((a) => a.id === areaId);
  const arrivalDate = arrival ? new Date(arrival) : null;
  const window =
    arrivalDate && !Number.isNaN(arrivalDate.getTime()) ? matchWindow(arrivalDate) : null;
  const estimate = station && area ? fareInr(distanceM(station.location, area.location)) : null;

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
            <div className="flex flex-wrap gap-2" role="group" aria-label="Arriving in">
              {SOON_MIN.map((m) => (
                <button
                  key={m}
                  type="button"
                  className={chipClass}
                  onClick={() => setArrival(localInputIn(m))}
                >
                  In {m} min
                </button>
              ))}
            </div>
          </Field>
          {window && (
            <p
              className="rounded-lg bg-indigo-50 px-3 py-2 text-sm text-indigo-900"
              data-testid="match-window"
            >
              Drivers reaching {station?.name ?? "the station"} from{" "}
              <strong>{clock(window.from)}</strong> until <strong>{clock(window.until)}</strong> can
              take you; we match you minutes before they arrive.
            </p>
          )}
          {estimate !== null && (
            <p className="text-sm text-slate-700" data-testid="fare-estimate">
              About <strong>{formatInr(estimate)}</strong> riding alone, less when shared.
            </p>
          )}
          <button type="submit" className={buttonClass} disabled={busy}>
            Request a ride
          </button>
        </div>
        {/* On a phone the map comes first: riders find their station on it. */}
        <div className="order-first md:order-none">
          <MapView
            stations={stations}
            selected={stationId ? [stationId] : []}
            onStationClick={pick}
            areas={station?.areas ?? []}
            frame={station && [station.location, ...station.areas.map((a) => a.location)]}
            height="h-80 md:h-96"
          />
        </div>
      </form>
    </Card>
  );
}

const REASONS: Record<CancelReason, string> = {
  changed_plans: "My plans changed",
  driver_too_far: "The driver is too far",
  found_other_ride: "I found another ride",
  other: "Something else",
};

// Quick choices of arrival, beside the full date and time.
const SOON_MIN = [5, 10, 15, 20];

const STEP_STATES = ["WAITING", "MATCHED", "PICKED_UP", "DROPPED_OFF"];

/** The moments a rider waits for, marked when they happen while the screen is open. */
function Moment({
  status,
  driver,
  station,
}: {
  status: string;
  driver?: string;
  station?: string;
}) {
  const seen = useRef(status);
  const [moment, setMoment] = useState<string | null>(null);
  useEffect(() => {
    if (seen.current === status) return;
    seen.current = status;
    const text =
      status === "MATCHED"
        ? `Matched! ${driver ?? "Your driver"} is coming to ${station ?? "the station"} for you.`
        : status === "PICKED_UP"
          ? "You are on board. Enjoy the ride."
          : null;
    setMoment(text);
    if (!text) return;
    const timer = setTimeout(() => setMoment(null), MOMENT_MS);
    return () => clearTimeout(timer);
  }, [status, driver, station]);
  if (!moment) return null;
  return (
    <p
      role="status"
      data-testid="moment"
      className={`mb-3 flex items-center gap-2 rounded-xl px-3 py-2 font-semibold ring-2 motion-safe:animate-[pulse_1s_ease-in-out_2] ${STATE_TONE[status]}`}
    >
      <StateIcon status={status} className="h-5 w-5" />
      {moment}
    </p>
  );
}

const MOMENT_MS = 10_000;

const SETTLED_KEY = "lastmile.receipts.settled";

function settledReceipts(): string[] {
  try {
    return JSON.parse(localStorage.getItem(SETTLED_KEY) ?? "[]") as string[];
  } catch {
    return [];
  }
}

function settleReceipt(id: string): string[] {
  const next = [...settledReceipts().slice(-49), id];
  localStorage.setItem(SETTLED_KEY, JSON.stringify(next));
  return next;
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
  const pushed = useTripPosition(request.tripId);
  const [first, setFirst] = useState<{ lat: number; lon: number; at: string } | null>(null);
  const [error, setError] = useState("");
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState<CancelReason>("changed_plans");
  const now = useNow();
  const area = station?.areas.find((a) => a.id === request.destinationAreaId);
  const riding = request.status === "MATCHED" || request.status === "PICKED_UP";

  // Once, when matched (or on a reload): the last known position, until the first push.
  useEffect(() => {
    setFirst(null);
    if (!riding || !request.tripId) return;
    let stop = false;
    api.tripPosition(request.tripId).then(
      (p) => !stop && setFirst({ ...p.location, at: p.at }),
      () => undefined, // none yet: the first push brings it
    );
    return () => {
      stop = true;
    };
  }, [api, riding, request.tripId]);

  const where = pushed ? { ...pushed.location, at: pushed.at } : first;
  const car: Car | null =
    riding && where
      ? { id: "driver", position: where, label: request.driver?.name ?? "Your driver" }
      : null;
  const left = request.status === "MATCHED" ? etaLeftS(pushed, now) : null;

  async function cancel() {
    setError("");
    try {
      await api.cancelRequest(request.id, request.status === "MATCHED" ? reason : undefined);
      setCancelling(false);
      await onChanged();
    } catch (e) {
      setError(fieldErrors(e).form ?? "Could not cancel.");
    }
  }

  return (
    <Card testId="ride-card">
      <Moment status={request.status} driver={request.driver?.name} station={station?.name} />
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <p className="text-sm text-slate-600">
            {station?.name ?? request.stationId} → {area?.name ?? request.destinationAreaId}
          </p>
          <h2
            className="flex items-center gap-2 text-2xl font-bold"
            data-testid="ride-status"
            data-status={request.status}
          >
            <span
              className={`inline-flex h-9 w-9 items-center justify-center rounded-full ring-1 ${STATE_TONE[request.status]}`}
            >
              <StateIcon status={request.status} className="h-5 w-5" />
            </span>
            {view.label}
          </h2>
          <p className="text-slate-600">{view.detail}</p>
        </div>
        <div className="sm:text-right">
          <p className="text-lg font-semibold" data-testid="fare">
            {formatInr(request.fare.amount)}
          </p>
          <p className="text-xs text-slate-500">estimate · less when shared</p>
        </div>
      </div>
      <ol className="my-4 grid grid-cols-4 gap-2" aria-label="Progress">
        {STEPS.map((s, i) => (
          <li
            key={s}
            className={`flex items-center justify-center gap-1 rounded-lg px-1 py-1 text-center text-xs font-semibold ${i < view.step ? "bg-indigo-700 text-white" : i === view.step ? "bg-emerald-800 text-white ring-2 ring-emerald-300" : "bg-slate-100 text-slate-700"}`}
            aria-current={i === view.step ? "step" : undefined}
          >
            <StateIcon status={STEP_STATES[i]} className="hidden h-3.5 w-3.5 sm:block" />
            {s}
          </li>
        ))}
      </ol>
      {request.status === "WAITING" && <WaitingNote request={request} station={station} />}
      {request.driver && (
        <div
          className="mb-4 grid gap-3 rounded-xl bg-emerald-50 p-3 ring-1 ring-emerald-200 sm:grid-cols-[1fr_auto]"
          data-testid="driver-info"
        >
          <div>
            <p className="font-semibold">
              {request.driver.name} <Stars rating={request.driver.rating} />
            </p>
            {request.driver.vehicle && (
              <p className="text-sm text-slate-600">
                {request.driver.vehicle.model} ·{" "}
                <span className="font-mono">{request.driver.vehicle.plate}</span>
              </p>
            )}
            {request.status === "MATCHED" && (
              <p className="mt-1 text-emerald-900" data-testid="eta" data-seconds={left ?? ""}>
                {etaPhrase(left, station?.name ?? "your station", request.driver.name)}
              </p>
            )}
            {request.status === "PICKED_UP" && (
              <p className="mt-1 text-emerald-900">On the way to {area?.name}</p>
            )}
            {where && (
              <p className="text-xs text-slate-500" data-testid="car-position" data-at={where.at}>
                Position {Math.max(0, Math.round((now - Date.parse(where.at)) / 1000))} s ago
              </p>
            )}
          </div>
          {request.status === "MATCHED" && request.pin && (
            <div className="rounded-xl bg-white px-4 py-2 text-center ring-1 ring-emerald-300">
              <p className="text-xs font-medium uppercase tracking-wide text-slate-500">Your PIN</p>
              <p className="font-mono text-3xl font-bold tracking-[0.3em]" data-testid="pin">
                {request.pin}
              </p>
              <p className="text-xs text-slate-500">Tell it to the driver</p>
            </div>
          )}
        </div>
      )}
      <FormError message={error} />
      {station && (
        <MapView
          stations={[station]}
          selected={[station.id]}
          showZones={request.status !== "PICKED_UP"}
          showAreas={request.status === "PICKED_UP"}
          path={
            request.status === "PICKED_UP" && area ? [station.location, area.location] : undefined
          }
          cars={car ? [car] : []}
          height="h-56"
        />
      )}
      {view.open && request.status !== "PICKED_UP" && (
        <div className="mt-3">
          {!cancelling ? (
            <button className={quietButtonClass} onClick={() => setCancelling(true)}>
              Cancel ride
            </button>
          ) : (
            <div className="flex flex-wrap items-end gap-2" data-testid="cancel-form">
              {request.status === "MATCHED" && (
                <Field id="cancelReason" label="Why are you cancelling?">
                  <select
                    id="cancelReason"
                    className={selectClass}
                    value={reason}
                    onChange={(e) => setReason(e.target.value as CancelReason)}
                  >
                    {Object.entries(REASONS).map(([value, label]) => (
                      <option key={value} value={value}>
                        {label}
                      </option>
                    ))}
                  </select>
                </Field>
              )}
              <button className={buttonClass} onClick={cancel}>
                Cancel this ride
              </button>
              <button className={quietButtonClass} onClick={() => setCancelling(false)}>
                Keep it
              </button>
            </div>
          )}
        </div>
      )}
    </Card>
  );
}

function WaitingNote({ request, station }: { request: RideRequest; station?: Station }) {
  const window = matchWindow(new Date(request.arrivalTime));
  return (
    <p
      className="mb-4 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900"
      data-testid="match-window"
    >
      Drivers reaching {station?.name ?? "the station"} from <strong>{clock(window.from)}</strong>{" "}
      until <strong>{clock(window.until)}</strong> are matched with you, heading your way.
    </p>
  );
}

function Receipt({
  request,
  station,
  onDone,
}: {
  request: RideRequest;
  station?: Station;
  onDone: () => void;
}) {
  const { api } = useSession();
  const [stars, setStars] = useState(0);
  const [comment, setComment] = useState("");
  const [error, setError] = useState("");
  const area = station?.areas.find((a) => a.id === request.destinationAreaId);

  async function rate(event: FormEvent) {
    event.preventDefault();
    if (!stars) {
      setError("Choose one to five stars.");
      return;
    }
    try {
      await api.rate(request.tripId!, stars, comment);
      onDone();
    } catch (e) {
      const message = fieldErrors(e);
      // Rated already (another tab): nothing left to do here.
      if (e instanceof ApiError && e.status === 409) onDone();
      else setError(message.form ?? Object.values(message)[0]);
    }
  }

  return (
    <Card testId="receipt">
      <p
        className={`mb-3 flex items-center gap-2 rounded-xl px-3 py-2 font-semibold ring-1 ${STATE_TONE.DROPPED_OFF}`}
        data-testid="arrived-moment"
      >
        <StateIcon status="DROPPED_OFF" className="h-5 w-5" />
        You have arrived{area ? ` at ${area.name}` : ""}. Thanks for riding with LastMile.
      </p>
      <h2 className="mb-3 text-lg font-semibold">Your receipt</h2>
      <dl className="mb-4 grid grid-cols-2 gap-1 text-sm">
        <dt className="text-slate-500">Ride</dt>
        <dd className="text-right">
          {station?.name ?? request.stationId} → {area?.name ?? request.destinationAreaId}
        </dd>
        {request.driver && (
          <>
            <dt className="text-slate-500">Driver</dt>
            <dd className="text-right">{request.driver.name}</dd>
          </>
        )}
        <dt className="text-slate-500">Fare{request.fare.final ? "" : " (estimate)"}</dt>
        <dd className="text-right text-lg font-bold" data-testid="receipt-fare">
          {formatInr(request.fare.amount)}
        </dd>
      </dl>
      <form onSubmit={rate} className="flex flex-col gap-3" noValidate>
        <FormError message={error} />
        <fieldset>
          <legend className="text-sm font-medium text-slate-700">Rate your driver</legend>
          <div className="mt-1 flex gap-1" role="radiogroup">
            {[1, 2, 3, 4, 5].map((n) => (
              <button
                type="button"
                key={n}
                role="radio"
                aria-checked={stars === n}
                aria-label={`${n} star${n > 1 ? "s" : ""}`}
                onClick={() => setStars(n)}
                className={`h-11 w-11 rounded-full text-2xl ${n <= stars ? "text-amber-600" : "text-slate-500"} hover:text-amber-500`}
              >
                ★
              </button>
            ))}
          </div>
        </fieldset>
        <Field id="ratingComment" label="Anything to add? (optional)">
          <input
            id="ratingComment"
            className={inputClass}
            maxLength={280}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
          />
        </Field>
        <div className="flex gap-2">
          <button type="submit" className={buttonClass}>
            Send rating
          </button>
          <button type="button" className={quietButtonClass} onClick={onDone}>
            Not now
          </button>
        </div>
      </form>
    </Card>
  );
}
