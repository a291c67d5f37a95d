import { describe, expect, it } from "vitest";
import { etaMinutes, localInputIn, localInputToIso, minutesUntil, statusView } from "./status";

describe("status mapping", () => {
  it("follows the ride through its steps", () => {
    expect(
      ["WAITING", "MATCHED", "PICKED_UP", "DROPPED_OFF"].map((s) => statusView(s).step),
    ).toEqual([0, 1, 2, 3]);
    expect(statusView("MATCHED")).toMatchObject({
      label: "Driver on the way",
      open: true,
      tone: "good",
    });
    expect(statusView("DROPPED_OFF").open).toBe(false);
  });

  it("treats the ways a ride ends early as closed and bad news", () => {
    for (const s of ["CANCELLED", "EXPIRED", "NO_SHOW"]) {
      expect(statusView(s)).toMatchObject({ open: false, tone: "bad", step: -1 });
    }
  });

  it("shows an unknown status as itself rather than failing", () => {
    expect(statusView("SOMETHING_NEW").label).toBe("SOMETHING_NEW");
  });

  it("computes ETAs and times", () => {
    expect(etaMinutes(3000, 10)).toBe(5);
    expect(etaMinutes(10, 10)).toBe(1);
    expect(etaMinutes((25 / 3.6) * 120, 0)).toBe(2); // no speed: city traffic
    const now = new Date(2026, 10, 25, 9, 55);
    expect(minutesUntil(new Date(now.getTime() + 7 * 60000), now)).toBe(7);
    expect(minutesUntil(new Date(now.getTime() - 60000), now)).toBe(0);
    expect(localInputIn(10, now)).toBe("2026-11-25T10:05");
    expect(localInputToIso("2026-11-25T10:05")).toBe(
      new Date(2026, 10, 25, 10, 5).toISOString().replace(".000Z", "Z"),
    );
  });
});
