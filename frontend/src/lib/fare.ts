// LastMile's fare rule, as the services apply it (common/fares.py; both are checked against
// tests/fare_cases.json): BASE + PER_KM per straight-line km from the station to the area, at
// least MIN, each other rider on the trip taking SHARE_DISCOUNT off (at most MAX_DISCOUNT).
export const FARE_RULE = {
  baseInr: 25,
  perKmInr: 12,
  minInr: 40,
  shareDiscount: 0.15,
  maxDiscount: 0.3,
} as const;

export function fareInr(distanceM: number, ridersOnTrip = 1): number {
  if (distanceM < 0 || ridersOnTrip < 1) throw new RangeError("bad fare input");
  const alone = Math.max(
    FARE_RULE.minInr,
    FARE_RULE.baseInr + (FARE_RULE.perKmInr * distanceM) / 1000,
  );
  const discount = Math.min(FARE_RULE.maxDiscount, FARE_RULE.shareDiscount * (ridersOnTrip - 1));
  return Math.floor(alone * (1 - discount) + 0.5);
}

export function formatInr(amount: number): string {
  return `₹${amount.toLocaleString("en-IN")}`;
}
