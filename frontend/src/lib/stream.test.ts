import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Api } from "../api/client";
import { NotificationStream, backoffMs, type StreamState } from "./stream";

class FakeSource {
  onopen: (() => void) | null = null;
  onmessage: ((e: MessageEvent<string>) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
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
    const stream = new NotificationStream(
      api,
      { onNotification: (x) => seen.push(x.seq), onState: (s) => states.push(s) },
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
    sources[0].onerror?.();
    expect(sources[0].closed).toBe(true);
    await vi.advanceTimersByTimeAsync(backoffMs(1));
    expect(sources[1].url).toBe("/api/v1/notifications/stream?ticket=t2&lastEventId=6");
    expect(seen).toEqual([5, 6]);
    expect(states).toEqual(["connecting", "live", "reconnecting"]);
    stream.stop();
    expect(sources[1].closed).toBe(true);
  });

  it("backs off up to 15 s", () => {
    expect([1, 2, 3, 4, 5, 6].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 15000, 15000]);
  });
});
