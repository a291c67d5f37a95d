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

// Focus shows as a 2 px indigo-700 outline, 2 px off the control: over 7:1 on white.
const focusRing =
  "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700";

export const inputClass =
  "rounded-lg border border-slate-400 bg-white px-3 py-2 text-base text-slate-900 " +
  "focus:border-indigo-700 focus:outline-2 focus:outline-offset-2 focus:outline-indigo-700 " +
  "disabled:bg-slate-100 disabled:text-slate-600 aria-[invalid=true]:border-red-700";

/** A select drawn like the inputs, with its own chevron; the native control underneath keeps
 * its keyboard and screen-reader behaviour. */
export const selectClass = `${inputClass} appearance-none bg-[url(/chevron.svg)] bg-[length:1.25rem] bg-[right_0.5rem_center] bg-no-repeat pr-9`;

/** A radio or checkbox drawn as a card that shows when it is chosen. */
export const choiceClass =
  "flex cursor-pointer items-center gap-3 rounded-xl border border-slate-300 bg-white px-3 py-2 " +
  "has-checked:border-indigo-700 has-checked:bg-indigo-50 has-checked:ring-1 has-checked:ring-indigo-700 " +
  "has-focus-visible:outline-2 has-focus-visible:outline-offset-2 has-focus-visible:outline-indigo-700";

/** A small rounded choice, e.g. "In 10 min". */
export const chipClass =
  "rounded-full border border-slate-400 bg-white px-3 py-1 text-sm font-medium text-slate-800 " +
  `hover:border-indigo-700 hover:bg-indigo-50 ${focusRing}`;

export const buttonClass =
  "rounded-lg bg-indigo-700 px-4 py-2 font-semibold text-white shadow-sm hover:bg-indigo-800 " +
  `${focusRing} disabled:cursor-not-allowed disabled:opacity-60`;

export const quietButtonClass =
  "rounded-lg border border-slate-400 bg-white px-3 py-2 font-medium text-slate-800 " +
  `hover:bg-slate-100 ${focusRing} disabled:opacity-60`;

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
      className={selectClass}
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
