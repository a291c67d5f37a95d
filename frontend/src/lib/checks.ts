// The checks the form can make before sending (the server makes them again, and more).
import type { Role } from "../api/types";

export interface AccountInput {
  name: string;
  phone: string;
  password: string;
  role: Role;
  plate: string;
  model: string;
}

const MAX_NAME = 80;
export const MIN_PASSWORD = 8;

/** Field -> what to fix, for the fields the user can fix before sending. */
export function checkAccount(
  mode: "login" | "signup",
  input: AccountInput,
): Record<string, string> {
  const out: Record<string, string> = {};
  const say = (field: string, message: string) => {
    out[field] = message;
  };
  const digits = input.phone.replace(/\D/g, "");
  if (!input.phone.trim()) out.phone = "Enter your phone number.";
  else if (digits.length < 7 || digits.length > 15)
    out.phone = "Enter the whole number, with its country code, e.g. +919876543210.";
  if (!input.password) say("password", "Enter your password.");
  if (mode === "login") return out;
  if (!input.name.trim()) out.name = "Tell us your name.";
  else if (input.name.length > MAX_NAME) out.name = `At most ${MAX_NAME} characters.`;
  if (input.password && input.password.length < MIN_PASSWORD)
    say("password", `At least ${MIN_PASSWORD} characters, please.`);
  if (input.role === "driver") {
    if (!input.plate.trim()) out["vehicle.plate"] = "Your vehicle's plate, as riders will see it.";
    if (!input.model.trim()) out["vehicle.model"] = "The make or model, e.g. Swift.";
  }
  return out;
}
