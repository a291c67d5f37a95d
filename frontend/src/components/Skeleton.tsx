// Placeholders with the shape of what is loading, so the screen does not jump when it comes.

export function SkeletonLines({ lines = 3, label }: { lines?: number; label: string }) {
  return (
    <div role="status" aria-live="polite" data-testid="skeleton" className="space-y-2">
      <span className="sr-only">{label}</span>
      {Array.from({ length: lines }, (_, i) => (
        <div
          key={i}
          aria-hidden="true"
          className={`h-4 animate-pulse rounded bg-slate-200 ${i === lines - 1 ? "w-2/3" : "w-full"}`}
        />
      ))}
    </div>
  );
}

export function PageSkeleton() {
  return (
    <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
      <div className="space-y-4 rounded-2xl bg-white p-4 ring-1 ring-slate-200">
        <SkeletonLines lines={5} label="Loading…" />
      </div>
      <div
        className="hidden h-48 animate-pulse rounded-2xl bg-slate-200 lg:block"
        aria-hidden="true"
      />
    </div>
  );
}
