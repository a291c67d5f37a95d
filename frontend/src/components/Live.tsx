// The live parts of every screen: the stream's connection badge, toasts, the list.
import type { ReactNode } from "react";
import type { Notification } from "../api/types";
import type { StreamState } from "../lib/stream";
import { useLive } from "../state/notifications";

const STATE_TEXT: Record<StreamState, [string, string]> = {
  live: ["Live", "bg-emerald-500"],
  connecting: ["Connecting…", "bg-amber-400"],
  reconnecting: ["Reconnecting…", "bg-amber-400"],
  stopped: ["Offline", "bg-slate-400"],
};

export function ConnectionBadge() {
  const { state } = useLive();
  const [text, dot] = STATE_TEXT[state];
  return (
    <span
      className="inline-flex items-center gap-2 rounded-full bg-slate-100 px-2 py-1 text-xs font-medium text-slate-800 sm:px-3"
      title={text}
      data-testid="connection"
      data-state={state}
    >
      <span className={`h-2 w-2 rounded-full ${dot}`} aria-hidden="true" />
      <span className="sr-only sm:not-sr-only">{text}</span>
    </span>
  );
}

export function Toasts() {
  const { toasts, dismiss } = useLive();
  return (
    <div
      // On a phone the toasts take their place below the header and push the page down, so they
      // never cover a control; on wider screens they float in the corner.
      className="mx-auto flex max-w-6xl flex-col gap-2 px-4 pt-3 empty:hidden sm:pointer-events-none sm:fixed sm:right-4 sm:bottom-4 sm:z-[1000] sm:w-96 sm:px-0 sm:pt-0"
      aria-live="polite"
      data-testid="toasts"
    >
      {toasts.map((t) => (
        <div
          key={t.seq}
          className="pointer-events-auto w-full rounded-xl bg-slate-900 px-4 py-3 text-white shadow-lg"
          role="status"
          data-testid="toast"
        >
          <div className="flex items-start justify-between gap-3">
            <div>
              <p className="font-semibold">{t.title}</p>
              <p className="text-sm text-slate-200">{t.body}</p>
            </div>
            <button
              className="rounded text-slate-200 hover:text-white focus-visible:outline-2 focus-visible:outline-white"
              onClick={() => dismiss(t.seq)}
              aria-label="Dismiss"
            >
              ✕
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}

export function NotificationList({ limit = 8 }: { limit?: number }) {
  const { items, markAllRead } = useLive();
  const recent: Notification[] = items.slice(-limit).reverse();
  const unread = items.filter((n) => !n.read).length;
  return (
    <div data-testid="notifications">
      <div className="mb-2 flex items-center justify-between">
        <h2 className="text-lg font-semibold">
          Notifications{" "}
          {unread > 0 && (
            <span className="ml-1 rounded-full bg-indigo-600 px-2 text-xs text-white">
              {unread}
            </span>
          )}
        </h2>
        {unread > 0 && (
          <button className="text-sm text-indigo-700 hover:underline" onClick={markAllRead}>
            Mark all read
          </button>
        )}
      </div>
      {recent.length === 0 ? (
        <p className="text-sm text-slate-500">Nothing yet.</p>
      ) : (
        <ul className="divide-y divide-slate-100">
          {recent.map((n) => (
            <li key={n.seq} className="py-2">
              <p className={`text-sm ${n.read ? "text-slate-600" : "font-semibold"}`}>{n.title}</p>
              <p className="text-xs text-slate-500">
                {n.body} · {new Date(n.createdAt).toLocaleTimeString()}
              </p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A screen's main column beside the notification list (below it on phones). */
export function WithInbox({ children }: { children: ReactNode }) {
  return (
    <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
      <div className="space-y-6">{children}</div>
      <section className="rounded-2xl bg-white p-4 shadow-sm ring-1 ring-slate-200">
        <NotificationList />
      </section>
    </div>
  );
}
