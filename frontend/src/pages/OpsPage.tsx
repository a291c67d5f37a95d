// The operator's view: every station with its waiting riders, every driver moving, trips by
// status and the match rate, from the public snapshot (no personal data).
import { useEffect, useState } from "react";
import type { Snapshot } from "../api/types";
import { Card, FormError } from "../components/Field";
import { NotificationList } from "../components/Live";
import { MapView } from "../components/MapView";
import { addSample, perMinute, type Sample } from "../lib/rates";
import { useSession } from "../state/session";

const POLL_MS = 2000;
const TRIP_STATES = ["SCHEDULED", "ACTIVE", "COMPLETED", "CANCELLED"];

export function OpsPage() {
  const { api, user } = useSession();
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState("");

  useEffect(() => {
    let stop = false;
    const load = async () => {
      try {
        const next = await api.snapshot();
        if (stop) return;
        setSnap(next);
        setError("");
        const total = Object.values(next.trips).reduce((a, b) => a + b, 0);
        setSamples((prev) => addSample(prev, { at: Date.now(), total }));
      } catch (e) {
        if (!stop) setError((e as Error).message);
      }
    };
    void load();
    const timer = setInterval(load, POLL_MS);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [api]);

  const waitingTotal = snap ? Object.values(snap.waiting).reduce((a, b) => a + b, 0) : 0;
  const badges = Object.fromEntries(
    Object.entries(snap?.waiting ?? {})
      .filter(([, n]) => n > 0)
      .map(([id, n]) => [id, String(n)]),
  );
  const stat = (label: string, value: string | number, testId: string) => (
    <div className="rounded-2xl bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <p className="text-sm text-slate-500">{label}</p>
      <p className="text-3xl font-bold" data-testid={testId}>
        {value}
      </p>
    </div>
  );

  return (
    <div className="space-y-6" data-testid="ops">
      <h1 className="text-2xl font-bold">Operations</h1>
      <FormError message={error} />
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {stat("Riders waiting", waitingTotal, "ops-waiting")}
        {stat("Drivers on the road", snap?.drivers.length ?? 0, "ops-drivers")}
        {stat("Active trips", snap?.trips.ACTIVE ?? 0, "ops-active")}
        {stat("Routes matched / min", perMinute(samples).toFixed(1), "ops-rate")}
      </div>
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <MapView
          stations={snap?.stations ?? []}
          showZones
          badges={badges}
          cars={(snap?.drivers ?? []).map((d) => ({
            id: d.driverId,
            position: d.location,
            label: `${d.seatsFree ?? "?"} seats free`,
          }))}
          height="h-[28rem]"
        />
        <div className="space-y-6">
          <Card title="Trips">
            <dl className="grid grid-cols-2 gap-2 text-sm">
              {TRIP_STATES.map((s) => (
                <div key={s} className="flex justify-between rounded-lg bg-slate-50 px-3 py-2">
                  <dt className="text-slate-600">{s.toLowerCase()}</dt>
                  <dd className="font-semibold">{snap?.trips[s] ?? 0}</dd>
                </div>
              ))}
            </dl>
          </Card>
          <Card title="Stations">
            <ul className="divide-y divide-slate-100 text-sm" data-testid="ops-stations">
              {(snap?.stations ?? []).map((s) => (
                <li key={s.id} className="flex justify-between py-1.5">
                  <span>{s.name}</span>
                  <span
                    className={
                      snap?.waiting[s.id] ? "font-semibold text-indigo-700" : "text-slate-400"
                    }
                  >
                    {snap?.waiting[s.id] ?? 0} waiting
                  </span>
                </li>
              ))}
            </ul>
          </Card>
          {user && (
            <Card>
              <NotificationList limit={5} />
            </Card>
          )}
        </div>
      </div>
    </div>
  );
}
