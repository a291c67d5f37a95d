// Placeholders with the shape of what is loading, so the screen does not jump when it comes.
import type { ReactNode } from "react";

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

/** A load that failed, in words, with a way to try again. */
export function LoadError({
  what,
  message,
  onRetry,
}: {
  what: string;
  message: string;
  onRetry: () => void;
}) {
  return (
    <div
      role="alert"
      data-testid="load-error"
      className="flex flex-wrap items-center justify-between gap-3 rounded-xl bg-red-50 px-4 py-3 text-red-900 ring-1 ring-red-200"
    >
      <p className="text-sm">
        <strong>We could not load {what}.</strong> {message}
      </p>
      <button
        type="button"
        onClick={onRetry}
        className="rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-red-900 ring-1 ring-red-300 hover:bg-red-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-800"
      >
        Try again
      </button>
    </div>
  );
}

/** Nothing to show yet, said kindly, with what will appear here. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div
      className="rounded-xl border border-dashed border-slate-300 px-4 py-6 text-center"
      data-testid="empty"
    >
      <p className="font-semibold text-slate-800">{title}</p>
      <p className="mt-1 text-sm text-slate-600">{children}</p>
    </div>
  );
}
