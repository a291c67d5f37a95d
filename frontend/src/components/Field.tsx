// A labelled form control with its error underneath, tied together for screen readers.
import type { ReactNode } from "react";

export function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: ReactNode;
}) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      {children}
      {hint && !error && <p className="text-xs text-slate-500">{hint}</p>}
      {error && (
        <p
          id={`${id}-error`}
          role="alert"
          className="text-sm text-red-700"
          data-testid={`${id}-error`}
        >
          {error}
        </p>
      )}
    </div>
  );
}

export const inputClass =
  "rounded-lg border border-slate-300 bg-white px-3 py-2 text-base focus:border-indigo-500 " +
  "focus:outline-none focus:ring-2 focus:ring-indigo-200 aria-[invalid=true]:border-red-500";

export const buttonClass =
  "rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white shadow-sm hover:bg-indigo-700 " +
  "focus:outline-none focus:ring-2 focus:ring-indigo-300 disabled:cursor-not-allowed disabled:opacity-50";

export const quietButtonClass =
  "rounded-lg border border-slate-300 bg-white px-3 py-2 font-medium text-slate-700 " +
  "hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-indigo-200 disabled:opacity-50";

export function Card({
  title,
  children,
  testId,
}: {
  title?: string;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section
      className="rounded-2xl bg-white p-4 shadow-sm ring-1 ring-slate-200"
      data-testid={testId}
    >
      {title && <h2 className="mb-3 text-lg font-semibold">{title}</h2>}
      {children}
    </section>
  );
}

export function FormError({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p
      role="alert"
      className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800"
      data-testid="form-error"
    >
      {message}
    </p>
  );
}

/** A select of named things (stations, areas) with a placeholder as its empty choice. */
export function NamedSelect({
  id,
  value,
  onChange,
  items,
  placeholder,
  disabled = false,
}: {
  id: string;
  value: string;
  onChange: (id: string) => void;
  items: { id: string; name: string }[];
  placeholder: string;
  disabled?: boolean;
}) {
  return (
    <select
      id={id}
      className={inputClass}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      disabled={disabled}
    >
      <option value="">{placeholder}</option>
      {items.map((item) => (
        <option key={item.id} value={item.id}>
          {item.name}
        </option>
      ))}
    </select>
  );
}
