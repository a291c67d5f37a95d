import { describe, expect, it } from "vitest";
import { checkAccount, type AccountInput } from "./checks";

const good: AccountInput = {
  name: "Asha",
  phone: "+91 98765 43210",
  password: "long enough", // pragma: allowlist secret
  role: "rider",
  plate: "",
  model: "",
};

describe("checkAccount", () => {
  it("passes a complete sign-up and log-in", () => {
    expect(checkAccount("signup", good)).toEqual({});
    expect(checkAccount("login", { ...good, name: "" })).toEqual({});
  });
  it("names each field to fix", () => {
    const errors = checkAccount("signup", { ...good, name: " ", phone: "12", password: "short" }); // pragma: allowlist secret
    expect(Object.keys(errors).sort()).toEqual(["name", "password", "phone"]);
    expect(errors.password).toContain("8");
  });
  it("asks drivers for their vehicle", () => {
    const errors = checkAccount("signup", { ...good, role: "driver" });
    expect(Object.keys(errors).sort()).toEqual(["vehicle.model", "vehicle.plate"]);
  });
  it("leaves the password length to the server at log-in", () => {
    expect(checkAccount("login", { ...good, password: "x" })).toEqual({});
  });
});
