// A ride's state at a glance: a colour and an icon of its own for each, with words (never the
// colour alone).
import { statusView } from "../lib/status";

// 24 px outline icons, one per state.
const ICONS: Record<string, string> = {
  WAITING: "M12 7v5l3 2M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z", // a clock
  MATCHED: "M5 16l1.5-4.5A2 2 0 0 1 8.4 10h7.2a2 2 0 0 1 1.9 1.5L19 16v3h-2v-1.5H7V19H5z", // a car
  PICKED_UP: "M5 12h14M13 6l6 6-6 6", // on the way
  DROPPED_OFF: "M5 13l4 4L19 7", // a tick
  CANCELLED: "M6 6l12 12M18 6L6 18", // a cross
  EXPIRED: "M7 3h10M7 21h10M8 3c0 5 8 5 8 9s-8 4-8 9M16 3c0 5-8 5-8 9", // an hourglass
  NO_SHOW:
    "M12 8v5M12 16.5v.5M10.3 3.9 2.4 18a2 2 0 0 0 1.7 3h15.8a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z", // a warning
};

// Text on its tint: every pair above 7:1.
export const STATE_TONE: Record<string, string> = {
  WAITING: "bg-amber-100 text-amber-900 ring-amber-300",
  MATCHED: "bg-emerald-100 text-emerald-900 ring-emerald-300",
  PICKED_UP: "bg-sky-100 text-sky-900 ring-sky-300",
  DROPPED_OFF: "bg-indigo-100 text-indigo-900 ring-indigo-300",
  CANCELLED: "bg-slate-200 text-slate-800 ring-slate-300",
  EXPIRED: "bg-rose-100 text-rose-900 ring-rose-300",
  NO_SHOW: "bg-orange-100 text-orange-900 ring-orange-300",
};

export function StateIcon({
  status,
  className = "h-4 w-4",
}: {
  status: string;
  className?: string;
}) {
  return (
    <svg
      viewBox="0 0 24 24"
      className={className}
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={ICONS[status] ?? ICONS.WAITING} />
    </svg>
  );
}

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ${STATE_TONE[status] ?? STATE_TONE.CANCELLED}`}
      data-testid="status-badge"
      data-status={status}
    >
      <StateIcon status={status} className="h-3.5 w-3.5" />
      {label ?? statusView(status).label}
    </span>
  );
}
