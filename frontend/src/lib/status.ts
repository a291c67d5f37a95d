// What each request status means to a rider, and how far along the ride it is.
import type { RequestStatus } from "../api/types";

export interface StatusView {
  label: string;
  detail: string;
  tone: "wait" | "good" | "done" | "bad";
  step: number; // 0 waiting, 1 matched, 2 picked up, 3 dropped off; -1 ended early
  open: boolean;
}

export const STEPS = ["Waiting", "Matched", "On board", "Arrived"];

const VIEWS: Record<RequestStatus, StatusView> = {
  WAITING: {
    label: "Waiting for a driver",
    detail: "We match you as soon as a driver heading your way nears the station.",
    tone: "wait",
    step: 0,
    open: true,
  },
  MATCHED: {
    label: "Driver on the way",
    detail: "Meet your driver at the station.",
    tone: "good",
    step: 1,
    open: true,
  },
  PICKED_UP: { label: "On board", detail: "Enjoy the ride.", tone: "good", step: 2, open: true },
  DROPPED_OFF: {
    label: "Arrived",
    detail: "You have been dropped off. Thanks for riding.",
    tone: "done",
    step: 3,
    open: false,
  },
  CANCELLED: {
    label: "Cancelled",
    detail: "This request was cancelled.",
    tone: "bad",
    step: -1,
    open: false,
  },
  EXPIRED: {
    label: "Expired",
    detail: "No driver reached the station in time.",
    tone: "bad",
    step: -1,
    open: false,
  },
  NO_SHOW: {
    label: "Missed",
    detail: "The driver marked you as not at the station.",
    tone: "bad",
    step: -1,
    open: false,
  },
};

export function statusView(status: string): StatusView {
  return (
    VIEWS[status as RequestStatus] ?? {
      label: status,
      detail: "",
      tone: "wait",
      step: 0,
      open: false,
    }
  );
}

/** Minutes until `when` from `now`, for "arriving in N min" (never negative). */
export function minutesUntil(when: Date, now: Date = new Date()): number {
  return Math.max(0, Math.round((when.getTime() - now.getTime()) / 60000));
}

/** Seconds at `speedMps` to cover `metres`, as an ETA in whole minutes (at least 1). */
export function etaMinutes(metres: number, speedMps: number): number {
  const speed = speedMps > 0.5 ? speedMps : 25 / 3.6;
  return Math.max(1, Math.round(metres / speed / 60));
}

/** ISO 8601 UTC ("...Z") of a `datetime-local` input's value, read in local time. */
export function localInputToIso(value: string): string {
  return new Date(value).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A `datetime-local` value `minutes` from now, in local time. */
export function localInputIn(minutes: number, now: Date = new Date()): string {
  const t = new Date(now.getTime() + minutes * 60000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${pad(t.getHours())}:${pad(t.getMinutes())}`;
}
