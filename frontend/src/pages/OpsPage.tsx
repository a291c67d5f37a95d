// The operations view. Operators (signed in here) see every station with its waiting riders,
// every driver moving, trips by status and the match rate, from the operator-only snapshot;
// anyone else sees the public summary (counts only) and the operators' log-in.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { fieldErrors } from "../api/client";
import type { Snapshot, Summary } from "../api/types";
import { Card, Field, FormError, buttonClass, inputClass } from "../components/Field";
import { NotificationList } from "../components/Live";
import { MapView } from "../components/MapView";
import { addSample, perMinute, type Sample } from "../lib/rates";
import { useSession } from "../state/session";

const POLL_MS = 2000;
const TRIP_STATES = ["SCHEDULED", "ACTIVE", "COMPLETED", "CANCELLED"];

export default function OpsPage() {
  const { user } = useSession();
  return user?.role === "operator" ? <OperatorView /> : <PublicView />;
}

function usePoll<T>(load: () => Promise<T>): [T | null, string] {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let stop = false;
    const run = async () => {
      try {
        const next = await load();
        if (!stop) {
          setValue(next);
          setError("");
        }
      } catch (e) {
        if (!stop) setError((e as Error).message);
      }
    };
    void run();
    const timer = setInterval(run, POLL_MS);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [load]);
  return [value, error];
}

const stat = (label: string, value: string | number, testId: string) => (
  <div className="rounded-2xl bg-white p-4 shadow-sm ring-1 ring-slate-200">
    <p className="text-sm text-slate-500">{label}</p>
    <p className="text-3xl font-bold" data-testid={testId}>
      {value}
    </p>
  </div>
);

function PublicView() {
  const { api } = useSession();
  const load = useCallback(() => api.summary(), [api]);
  const [summary, error] = usePoll<Summary>(load);
  const waiting = summary?.stations.reduce((a, s) => a + s.waiting, 0) ?? 0;
  return (
    <div className="space-y-6" data-testid="ops">
      <h1 className="text-2xl font-bold">Operations</h1>
      <FormError message={error} />
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {stat("Riders waiting", waiting, "ops-waiting")}
        {stat("Drivers on the road", summary?.driversOnRoad ?? 0, "ops-drivers")}
        {stat("Active trips", summary?.trips.ACTIVE ?? 0, "ops-active")}
        {stat("Matches in the last hour", summary?.matchesLastHour ?? 0, "ops-rate")}
      </div>
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <Card title="Stations">
          <ul className="divide-y divide-slate-100 text-sm" data-testid="ops-stations">
            {(summary?.stations ?? []).map((s) => (
              <li key={s.id} className="flex justify-between py-1.5">
                <span>{s.name}</span>
                <span className={s.waiting ? "font-semibold text-indigo-700" : "text-slate-600"}>
                  {s.waiting} waiting
                </span>
              </li>
            ))}
          </ul>
        </Card>
        <OperatorLogin />
      </div>
    </div>
  );
}

function OperatorLogin() {
  const { api, signIn } = useSession();
  const [phone, setPhone] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  async function submit(event: FormEvent) {
    event.preventDefault();
    setErrors({});
    try {
      const auth = await api.logIn(phone, password);
      if (auth.user.role !== "operator") {
        setErrors({ form: "This account is not an operator's." });
        return;
      }
      signIn(auth);
    } catch (e) {
      setErrors(fieldErrors(e));
    }
  }
  return (
    <Card title="Operator log-in">
      <form className="space-y-3" onSubmit={submit} aria-label="Operator log-in">
        <FormError message={errors.form} />
        <Field label="Operator phone" id="ops-phone" error={errors.phone}>
          <input
            id="ops-phone"
            className={inputClass}
            type="tel"
            autoComplete="username"
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
            required
          />
        </Field>
        <Field label="Operator password" id="ops-password" error={errors.password}>
          <input
            id="ops-password"
            className={inputClass}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </Field>
        <button type="submit" className={buttonClass}>
          Log in as operator
        </button>
      </form>
    </Card>
  );
}

function OperatorView() {
  const { api, user } = useSession();
  const [samples, setSamples] = useState<Sample[]>([]);
  const load = useCallback(async () => {
    const next = await api.snapshot();
    const total = Object.values(next.trips).reduce((a, b) => a + b, 0);
    setSamples((prev) => addSample(prev, { at: Date.now(), total }));
    return next;
  }, [api]);
  const [snap, error] = usePoll<Snapshot>(load);

  const waitingTotal = snap ? Object.values(snap.waiting).reduce((a, b) => a + b, 0) : 0;
  const badges = Object.fromEntries(
    Object.entries(snap?.waiting ?? {})
      .filter(([, n]) => n > 0)
      .map(([id, n]) => [id, String(n)]),
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
                      snap?.waiting[s.id] ? "font-semibold text-indigo-700" : "text-slate-600"
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
