// Sign up (rider or driver, drivers with their vehicle) and log in. Every error the API gives
// appears next to the field it concerns, or above the form when no field is at fault.
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { fieldErrors } from "../api/client";
import type { Role } from "../api/types";
import { Card, Field, FormError, buttonClass, inputClass } from "../components/Field";
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

  async function submit(event: FormEvent) {
    event.preventDefault();
    setErrors({});
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
      signIn(auth);
      navigate(auth.user.role === "operator" ? "/ops" : `/${auth.user.role}`);
    } catch (error) {
      setErrors(fieldErrors(error));
    } finally {
      setBusy(false);
    }
  }

  const invalid = (f: string) =>
    errors[f] ? { "aria-invalid": true, "aria-describedby": `${f}-error` } : {};
  const tab = (m: "login" | "signup", text: string) => (
    <button
      type="button"
      role="tab"
      aria-selected={mode === m}
      className={`flex-1 rounded-lg px-3 py-2 text-sm font-semibold ${mode === m ? "bg-white shadow-sm" : "text-slate-600"}`}
      onClick={() => {
        setMode(m);
        setErrors({});
      }}
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
        <div className="mb-4 flex gap-1 rounded-xl bg-slate-100 p-1" role="tablist">
          {tab("signup", "Sign up")}
          {tab("login", "Log in")}
        </div>
        <form className="flex flex-col gap-4" onSubmit={submit} noValidate>
          <FormError message={errors.form} />
          {mode === "signup" && (
            <>
              <fieldset className="flex gap-4">
                <legend className="mb-1 text-sm font-medium text-slate-700">I am a</legend>
                {(["rider", "driver"] as Role[]).map((r) => (
                  <label key={r} className="flex items-center gap-2 text-base">
                    <input
                      type="radio"
                      name="role"
                      value={r}
                      checked={role === r}
                      onChange={() => setRole(r)}
                    />
                    {r === "rider" ? "Rider" : "Driver"}
                  </label>
                ))}
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
          <button type="submit" className={buttonClass} disabled={busy}>
            {mode === "signup" ? "Create account" : "Log in"}
          </button>
        </form>
      </Card>
    </div>
  );
}
