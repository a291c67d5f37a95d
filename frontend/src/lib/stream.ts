// Live notifications: the gateway's Server-Sent Events stream, opened with a single-use ticket
// (EventSource cannot send the bearer token) and reopened after any break with a fresh ticket
// and the last sequence number seen, so nothing is missed and nothing repeats.
import { API_BASE, type Api } from "../api/client";
import type { Notification, TripPosition } from "../api/types";

export type StreamState = "connecting" | "live" | "reconnecting" | "stopped";

export interface StreamHandlers {
  onNotification: (n: Notification) => void;
  onState: (s: StreamState) => void;
  /** A driver's position for a trip this rider is on (`position` events: no id, not stored). */
  onPosition?: (p: TripPosition) => void;
}

export type SourceFactory = (url: string) => EventSource;

const MAX_BACKOFF_MS = 15000;

export function backoffMs(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempt - 1));
}

export class NotificationStream {
  private source: EventSource | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempts = 0;
  private stopped = false;

  constructor(
    private readonly api: Api,
    private readonly handlers: StreamHandlers,
    public lastSeq = 0,
    private readonly makeSource: SourceFactory = (url) => new EventSource(url),
  ) {}

  start(): void {
    this.stopped = false;
    this.handlers.onState("connecting");
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.source?.close();
    this.source = null;
    this.handlers.onState("stopped");
  }

  private async connect(): Promise<void> {
    let ticket: string;
    try {
      ticket = (await this.api.streamTicket()).ticket;
    } catch {
      this.retry();
      return;
    }
    if (this.stopped) return;
    const url =
      `${API_BASE}/notifications/stream?ticket=${encodeURIComponent(ticket)}` +
      `&lastEventId=${this.lastSeq}`;
    const source = this.makeSource(url);
    this.source = source;
    source.onopen = () => {
      this.attempts = 0;
      this.handlers.onState("live");
    };
    source.onmessage = (event: MessageEvent<string>) => {
      const notification = JSON.parse(event.data) as Notification;
      const seq = Number(event.lastEventId) || notification.seq;
      if (seq <= this.lastSeq) return;
      this.lastSeq = seq;
      this.handlers.onNotification(notification);
    };
    source.addEventListener("position", (event) => {
      this.handlers.onPosition?.(JSON.parse((event as MessageEvent<string>).data) as TripPosition);
    });
    source.onerror = () => {
      // The browser would retry with the same (spent) ticket; reopen with a new one instead.
      source.close();
      if (this.source === source) this.source = null;
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    this.attempts += 1;
    this.handlers.onState("reconnecting");
    this.timer = setTimeout(() => void this.connect(), backoffMs(this.attempts));
  }
}
