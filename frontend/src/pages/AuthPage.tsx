// Sign up (rider or driver, drivers with their vehicle) and log in. Every error the API gives
// appears next to the field it concerns, or above the form when no field is at fault.
import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useNavigate } from "react-router-dom";
import { fieldErrors } from "../api/client";
import type { Role } from "../api/types";
import { Card, Field, FormError, buttonClass, choiceClass, inputClass } from "../components/Field";
import { checkAccount } from "../lib/checks";
import { sessionEnded, useSession } from "../state/session";

type Errors = Record<string, string>;

export function AuthPage() {
  const { api, signIn } = useSession();
  const navigate = useNavigate();
  const [ended] = useState(sessionEnded);
  const [mode, setMode] = useState<"login" | "signup">(ended ? "login" : "signup");
  const [role, setRole] = useState<Role>("rider");
  const [name, setName] = useState("");
  const [phone, setPhone] = useState("");
  const [password, setPassword] = useState("");
  const [plate, setPlate] = useState("");
  const [model, setModel] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [stay, setStay] = useState(false);
  const tabs = useRef<Record<string, HTMLButtonElement | null>>({});

  async function submit(event: FormEvent) {
    event.preventDefault();
    const local = checkAccount(mode, { name, phone, password, role, plate, model });
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const auth =
        mode === "login"
          ? await api.logIn(phone, password)
          : await api.signUp({
              name,
              phone,
              password,
              role,
              ...(role === "driver" && (plate || model) ? { vehicle: { plate, model } } : {}),
            });
      signIn(auth, stay);
      navigate(auth.user.role === "operator" ? "/ops" : `/${auth.user.role}`);
    } catch (error) {
      setErrors(fieldErrors(error));
    } finally {
      setBusy(false);
    }
  }

  const invalid = (f: string) =>
    errors[f] ? { "aria-invalid": true, "aria-describedby": `${f}-error` } : {};
  const choose = (m: "login" | "signup") => {
    setMode(m);
    setErrors({});
  };
  // The ARIA tabs pattern: arrows move between the tabs (and choose), Home/End go to the ends.
  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    const order = ["signup", "login"] as const;
    const at = order.indexOf(mode);
    const next =
      event.key === "ArrowRight"
        ? order[(at + 1) % 2]
        : event.key === "ArrowLeft"
          ? order[(at + 1) % 2]
          : event.key === "Home"
            ? order[0]
            : event.key === "End"
              ? order[1]
              : null;
    if (!next) return;
    event.preventDefault();
    choose(next);
    tabs.current[next]?.focus();
  };
  const tab = (m: "login" | "signup", text: string) => (
    <button
      type="button"
      role="tab"
      id={`tab-${m}`}
      ref={(el) => {
        tabs.current[m] = el;
      }}
      aria-selected={mode === m}
      aria-controls="auth-panel"
      tabIndex={mode === m ? 0 : -1}
      className={`flex-1 rounded-lg px-3 py-2 text-sm font-semibold focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700 ${mode === m ? "bg-white text-slate-900 shadow-sm" : "text-slate-700 hover:bg-white/60"}`}
      onClick={() => choose(m)}
      onKeyDown={onTabKey}
    >
      {text}
    </button>
  );

  return (
    <div className="mx-auto grid max-w-4xl gap-6 md:grid-cols-2 md:items-center">
      <div className="space-y-3">
        <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">
          From the metro to your door.
        </h1>
        <p className="text-slate-600">
          Tell us when you reach the station and where you are heading. A driver already going your
          way is matched to you minutes before you arrive.
        </p>
        <p className="text-slate-600">
          Drivers: share the seats you have on the drive you are making anyway.
        </p>
      </div>
      <Card>
        {ended && (
          <p className="mb-3 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900" role="status">
            Your session has ended. Please log in again.
          </p>
        )}
        <div
          className="mb-4 flex gap-1 rounded-xl bg-slate-100 p-1"
          role="tablist"
          aria-label="Account"
        >
          {tab("signup", "Sign up")}
          {tab("login", "Log in")}
        </div>
        <form
          className="flex flex-col gap-4"
          onSubmit={submit}
          noValidate
          id="auth-panel"
          role="tabpanel"
          aria-labelledby={`tab-${mode}`}
        >
          <FormError message={errors.form} />
          {mode === "signup" && (
            <>
              <fieldset>
                <legend className="mb-1 text-sm font-medium text-slate-700">I am a</legend>
                <div className="grid grid-cols-2 gap-2">
                  {(["rider", "driver"] as Role[]).map((r) => (
                    <label key={r} className={choiceClass}>
                      <input
                        type="radio"
                        name="role"
                        value={r}
                        checked={role === r}
                        onChange={() => setRole(r)}
                        className="h-4 w-4 accent-indigo-700"
                        aria-label={r === "rider" ? "Rider" : "Driver"}
                        aria-describedby={`role-${r}-hint`}
                      />
                      <span>
                        <span className="block font-semibold">
                          {r === "rider" ? "Rider" : "Driver"}
                        </span>
                        <span className="block text-xs text-slate-600" id={`role-${r}-hint`}>
                          {r === "rider" ? "From the metro home" : "Share my free seats"}
                        </span>
                      </span>
                    </label>
                  ))}
                </div>
              </fieldset>
              <Field id="name" label="Name" error={errors.name}>
                <input
                  id="name"
                  className={inputClass}
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  autoComplete="name"
                  {...invalid("name")}
                />
              </Field>
            </>
          )}
          <Field
            id="phone"
            label="Phone"
            error={errors.phone}
            hint="With country code, e.g. +919876543210"
          >
            <input
              id="phone"
              type="tel"
              className={inputClass}
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
              autoComplete="tel"
              {...invalid("phone")}
            />
          </Field>
          <Field
            id="password"
            label="Password"
            error={errors.password}
            hint={mode === "signup" ? "At least 8 characters" : undefined}
          >
            <input
              id="password"
              type="password"
              className={inputClass}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              autoComplete={mode === "signup" ? "new-password" : "current-password"}
              {...invalid("password")}
            />
          </Field>
          {mode === "signup" && role === "driver" && (
            <div className="grid grid-cols-2 gap-3">
              <Field
                id="vehicle.plate"
                label="Vehicle plate"
                error={errors["vehicle.plate"] ?? errors.vehicle}
              >
                <input
                  id="vehicle.plate"
                  className={inputClass}
                  value={plate}
                  onChange={(e) => setPlate(e.target.value)}
                  {...invalid("vehicle.plate")}
                />
              </Field>
              <Field id="vehicle.model" label="Vehicle model" error={errors["vehicle.model"]}>
                <input
                  id="vehicle.model"
                  className={inputClass}
                  value={model}
                  onChange={(e) => setModel(e.target.value)}
                  {...invalid("vehicle.model")}
                />
              </Field>
            </div>
          )}
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              checked={stay}
              onChange={(e) => setStay(e.target.checked)}
              className="h-4 w-4 accent-indigo-700"
            />
            Stay signed in on this device
          </label>
          <button type="submit" className={buttonClass} disabled={busy}>
            {busy ? "One moment…" : mode === "signup" ? "Create account" : "Log in"}
          </button>
        </form>
      </Card>
    </div>
  );
}
