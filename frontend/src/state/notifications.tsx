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
import { NotificationStream, type StreamState } from "../lib/stream";
import { useSession } from "./session";

interface Live {
  items: Notification[];
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
  const listeners = useRef(new Set<(n: Notification) => void>());

  useEffect(() => {
    if (!user) {
      setItems([]);
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
    () => ({ items, state, toasts, dismiss, markAllRead, subscribe }),
    [items, state, toasts, dismiss, markAllRead, subscribe],
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
