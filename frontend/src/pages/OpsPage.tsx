// The operations view. Operators (signed in here) see every station with its waiting riders,
// every driver moving, trips by status and the match rate, from the operator-only snapshot;
// anyone else sees the public summary (counts only) and the operators' log-in.
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from "react";
import { fieldErrors } from "../api/client";
import type { Snapshot, Summary } from "../api/types";
import { Card, Field, FormError, buttonClass, inputClass } from "../components/Field";
import { NotificationList } from "../components/Live";
import { MapView } from "../components/MapView";
import { Sparkline } from "../components/Sparkline";
import { EmptyState } from "../components/States";
import {
  addPoint,
  savedTrend,
  saveTrend,
  series,
  startsPerMinute,
  type TrendPoint,
} from "../lib/trend";
import { inWords } from "../lib/useLoad";
import { useNow } from "../state/notifications";
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
        if (!stop) setError(inWords(e));
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

const stat = (label: string, value: string | number, testId: string, trend?: ReactNode) => (
  <div className="rounded-2xl bg-white p-4 shadow-sm ring-1 ring-slate-200">
    <p className="text-sm text-slate-600">{label}</p>
    <div className="flex items-end justify-between gap-2">
      <p className="text-3xl font-bold" data-testid={testId}>
        {value}
      </p>
      {trend}
    </div>
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

const TRIP_TONE: Record<string, string> = {
  SCHEDULED: "bg-amber-50 text-amber-900 ring-amber-200",
  ACTIVE: "bg-emerald-50 text-emerald-900 ring-emerald-200",
  COMPLETED: "bg-indigo-50 text-indigo-900 ring-indigo-200",
  CANCELLED: "bg-slate-100 text-slate-800 ring-slate-300",
};
// Why riders went unmatched, in the operator's words, in the order of what to act on first.
const UNMATCHED: [string, string, string][] = [
  ["no_driver", "No driver going their way", "more drivers on these routes"],
  ["no_seat", "Every car their way was full", "more seats"],
  ["window", "A car came, before their window", "drivers later in the morning"],
];

function Unmatched({ counts }: { counts: Record<string, number> | undefined }) {
  const total = Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
  return (
    <Card title="Unmatched in the last hour" testId="ops-unmatched">
      {total === 0 ? (
        <p className="text-sm text-slate-600">Every rider whose wait ended was matched.</p>
      ) : (
        <ul className="space-y-2 text-sm">
          {UNMATCHED.map(([reason, what, needs]) => (
            <li key={reason} className="flex items-baseline justify-between gap-3">
              <span>
                {what}
                <span className="block text-xs text-slate-600">needs {needs}</span>
              </span>
              <span className="font-semibold" data-testid={`ops-unmatched-${reason}`}>
                {counts?.[reason] ?? 0}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

// A position older than this is flagged: the driver's app may have stopped sending.
const STALE_S = 60;

function ago(iso: string | undefined, now: number): [string, boolean] {
  if (!iso) return ["never", true];
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const text = s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : "over an hour";
  return [text, s > STALE_S];
}

function OperatorView() {
  const { api, user } = useSession();
  const [trend, setTrend] = useState<TrendPoint[]>(savedTrend);
  const load = useCallback(async () => {
    const next = await api.snapshot();
    const trips = Object.values(next.trips).reduce((a, b) => a + b, 0);
    setTrend((prev) => {
      const updated = addPoint(prev, Date.now(), { waiting: next.waiting, trips });
      saveTrend(updated);
      return updated;
    });
    return next;
  }, [api]);
  const [snap, error] = usePoll<Snapshot>(load);
  const now = useNow(2000);

  const waitingTotal = snap ? Object.values(snap.waiting).reduce((a, b) => a + b, 0) : 0;
  const waitingTrend = series(trend, now, (p) =>
    Object.values(p.waiting).reduce((a, b) => a + b, 0),
  );
  const starts = startsPerMinute(trend, now);
  const lastStarts = [...starts].reverse().find((v) => v !== null) ?? 0;
  const badges = Object.fromEntries(
    Object.entries(snap?.waiting ?? {})
      .filter(([, n]) => n > 0)
      .map(([id, n]) => [id, `${n} waiting`]),
  );
  const drivers = [...(snap?.drivers ?? [])].sort(
    (a, b) => Date.parse(b.lastSeen ?? "0") - Date.parse(a.lastSeen ?? "0"),
  );
  return (
    <div className="space-y-6" data-testid="ops">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-bold">Operations console</h1>
        <p className="text-sm text-slate-600">
          Trends: the last hour seen from this tab, one point a minute.
        </p>
      </div>
      <FormError message={error} />
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {stat(
          "Riders waiting",
          waitingTotal,
          "ops-waiting",
          <Sparkline values={waitingTrend} label="Riders waiting" />,
        )}
        {stat("Drivers on the road", snap?.drivers.length ?? 0, "ops-drivers")}
        {stat("Active trips", snap?.trips.ACTIVE ?? 0, "ops-active")}
        {stat(
          "Trips started / min",
          lastStarts,
          "ops-rate",
          <Sparkline values={starts} label="Trips started per minute" colour="#047857" />,
        )}
      </div>
      <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
        <div className="space-y-6">
          <MapView
            stations={snap?.stations ?? []}
            showZones
            badges={badges}
            cars={drivers.map((d) => ({
              id: d.driverId,
              position: d.location,
              label: `${d.seatsFree ?? "?"} seats free`,
            }))}
            height="h-[28rem]"
          />
          <Card title="Drivers on the road" testId="ops-driver-list">
            {drivers.length === 0 ? (
              <EmptyState title="No drivers on the road">
                Drivers appear here when they start a route.
              </EmptyState>
            ) : (
              <table className="w-full text-left text-sm">
                <thead className="text-slate-600">
                  <tr>
                    <th className="py-1 font-medium">Driver</th>
                    <th className="py-1 font-medium">Seats free</th>
                    <th className="py-1 text-right font-medium">Last seen</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {drivers.map((d) => {
                    const [seen, stale] = ago(d.lastSeen, now);
                    return (
                      <tr key={d.driverId} data-testid="ops-driver">
                        <td className="py-1.5 font-mono text-xs">…{d.driverId.slice(-6)}</td>
                        <td className="py-1.5">{d.seatsFree ?? "–"}</td>
                        <td
                          className={`py-1.5 text-right ${stale ? "font-semibold text-amber-800" : ""}`}
                        >
                          {seen}
                          {stale && " · stale"}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </Card>
        </div>
        <div className="space-y-6">
          <Card title="Trips">
            <dl className="grid grid-cols-2 gap-2 text-sm">
              {TRIP_STATES.map((s) => (
                <div
                  key={s}
                  className={`flex justify-between rounded-lg px-3 py-2 ring-1 ${TRIP_TONE[s]}`}
                >
                  <dt>{s.charAt(0) + s.slice(1).toLowerCase()}</dt>
                  <dd className="font-semibold">{snap?.trips[s] ?? 0}</dd>
                </div>
              ))}
            </dl>
          </Card>
          <Unmatched counts={snap?.unmatchedLastHour} />
          <Card title="Stations">
            <ul className="divide-y divide-slate-100 text-sm" data-testid="ops-stations">
              {(snap?.stations ?? []).map((s) => (
                <li key={s.id} className="flex items-center justify-between gap-2 py-1.5">
                  <span className="min-w-0 flex-1 truncate">{s.name}</span>
                  <Sparkline
                    values={series(trend, now, (p) => p.waiting[s.id] ?? 0)}
                    label={`Waiting at ${s.name}`}
                    width={72}
                    height={20}
                  />
                  <span
                    className={`w-20 text-right ${snap?.waiting[s.id] ? "font-semibold text-indigo-800" : "text-slate-600"}`}
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
