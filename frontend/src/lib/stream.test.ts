import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Api } from "../api/client";
import { NotificationStream, backoffMs, type StreamState } from "./stream";

class FakeSource {
  onopen: (() => void) | null = null;
  onmessage: ((e: MessageEvent<string>) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  listeners: Record<string, ((e: MessageEvent<string>) => void)[]> = {};
  constructor(readonly url: string) {}
  addEventListener(name: string, fn: (e: MessageEvent<string>) => void) {
    (this.listeners[name] ??= []).push(fn);
  }
  emitPosition(tripId: string) {
    const data = JSON.stringify({ tripId, location: { lat: 1, lon: 2 }, speedMps: 3, at: "x" });
    for (const fn of this.listeners.position ?? []) fn(new MessageEvent("position", { data }));
  }
  close() {
    this.closed = true;
  }
  emit(seq: number) {
    this.onmessage?.(
      new MessageEvent("message", {
        data: JSON.stringify({ seq, kind: "MATCHED" }),
        lastEventId: String(seq),
      }),
    );
  }
}

describe("notification stream", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("reopens with a fresh ticket after a break, resuming after the last event", async () => {
    let n = 0;
    const api = { streamTicket: async () => ({ ticket: `t${++n}` }) } as unknown as Api;
    const sources: FakeSource[] = [];
    const seen: number[] = [];
    const states: StreamState[] = [];
    const trips: string[] = [];
    const stream = new NotificationStream(
      api,
      {
        onNotification: (x) => seen.push(x.seq),
        onState: (s) => states.push(s),
        onPosition: (p) => trips.push(p.tripId),
      },
      4,
      (url) => {
        const s = new FakeSource(url);
        sources.push(s);
        return s as unknown as EventSource;
      },
    );
    stream.start();
    await vi.runAllTicks();
    await Promise.resolve();
    expect(sources[0].url).toBe("/api/v1/notifications/stream?ticket=t1&lastEventId=4");
    sources[0].onopen?.();
    sources[0].emit(5);
    sources[0].emit(5); // a repeat is dropped
    sources[0].emit(6);
    sources[0].emitPosition("trip-1"); // positions carry no id: the resume point stays at 6
    sources[0].onerror?.();
    expect(sources[0].closed).toBe(true);
    await vi.advanceTimersByTimeAsync(backoffMs(1));
    expect(sources[1].url).toBe("/api/v1/notifications/stream?ticket=t2&lastEventId=6");
    expect(seen).toEqual([5, 6]);
    expect(trips).toEqual(["trip-1"]);
    expect(states).toEqual(["connecting", "live", "reconnecting"]);
    stream.stop();
    expect(sources[1].closed).toBe(true);
  });

  it("backs off up to 15 s", () => {
    expect([1, 2, 3, 4, 5, 6].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 15000, 15000]);
  });
});
