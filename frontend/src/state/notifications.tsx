// The signed-in user's notifications: history first, then the live stream; toasts for new
// ones; the stream's connection state for the header badge.
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";
import type { Notification } from "../api/types";
import { applyPosition, type LivePosition, type Positions } from "../lib/live";
import { NotificationStream, type StreamState } from "../lib/stream";
import { useSession } from "./session";

interface Live {
  items: Notification[];
  /** The newest pushed position per trip the rider is on. */
  positions: Positions;
  state: StreamState;
  toasts: Notification[];
  dismiss: (seq: number) => void;
  markAllRead: () => void;
  /** Subscribe to each new notification (for screens that refetch on events). */
  subscribe: (fn: (n: Notification) => void) => () => void;
}

const LiveContext = createContext<Live | null>(null);
const TOAST_MS = 6000;

export function NotificationsProvider({ children }: { children: ReactNode }) {
  const { api, user } = useSession();
  const [items, setItems] = useState<Notification[]>([]);
  const [toasts, setToasts] = useState<Notification[]>([]);
  const [state, setState] = useState<StreamState>("stopped");
  const [positions, setPositions] = useState<Positions>({});
  const listeners = useRef(new Set<(n: Notification) => void>());

  useEffect(() => {
    if (!user) {
      setItems([]);
      setToasts([]); // the last user's toasts leave with them
      setPositions({});
      return;
    }
    let stream: NotificationStream | null = null;
    let cancelled = false;
    const start = async () => {
      let history: Notification[] = [];
      try {
        history = await api.notifications(0, 100);
      } catch {
        // the stream replays what we missed
      }
      if (cancelled) return;
      setItems(history);
      const lastSeq = history.length ? history[history.length - 1].seq : 0;
      stream = new NotificationStream(
        api,
        {
          onState: setState,
          onPosition: (p) => setPositions((prev) => applyPosition(prev, p, Date.now())),
          onNotification: (n) => {
            setItems((prev) => [...prev, n]);
            setToasts((prev) => [...prev.slice(-2), n]);
            setTimeout(() => setToasts((prev) => prev.filter((t) => t.seq !== n.seq)), TOAST_MS);
            listeners.current.forEach((fn) => fn(n));
          },
        },
        lastSeq,
      );
      stream.start();
    };
    void start();
    return () => {
      cancelled = true;
      stream?.stop();
    };
  }, [api, user]);

  const dismiss = useCallback((seq: number) => {
    setToasts((prev) => prev.filter((t) => t.seq !== seq));
  }, []);
  const markAllRead = useCallback(() => {
    const last = items[items.length - 1];
    if (!last) return;
    void api
      .markRead(last.seq)
      .then(() => setItems((prev) => prev.map((n) => ({ ...n, read: true }))));
  }, [api, items]);
  const subscribe = useCallback((fn: (n: Notification) => void) => {
    listeners.current.add(fn);
    return () => {
      listeners.current.delete(fn);
    };
  }, []);

  const value = useMemo(
    () => ({ items, positions, state, toasts, dismiss, markAllRead, subscribe }),
    [items, positions, state, toasts, dismiss, markAllRead, subscribe],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error("useLive outside NotificationsProvider");
  return live;
}

/** Runs `fn` on every new notification while the component is mounted. */
export function useOnNotification(fn: (n: Notification) => void): void {
  const { subscribe } = useLive();
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => subscribe((n) => ref.current(n)), [subscribe]);
}

/** The newest pushed position of a trip (undefined before the first). */
export function useTripPosition(tripId: string | undefined): LivePosition | undefined {
  const { positions } = useLive();
  return tripId ? positions[tripId] : undefined;
}

/** The current time, ticking every `ms` (for countdowns). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
