// A user's average rating, or "New" for someone not rated yet.
import type { Rating } from "../api/types";

export function Stars({ rating }: { rating?: Rating }) {
  if (!rating) return <span className="text-xs font-normal text-slate-500">New</span>;
  return (
    <span
      className="text-sm font-normal text-amber-700"
      data-testid="rating"
      aria-label={`Rated ${rating.average.toFixed(1)} of 5 by ${rating.count}`}
    >
      ★ {rating.average.toFixed(1)} <span className="text-slate-500">({rating.count})</span>
    </span>
  );
}
