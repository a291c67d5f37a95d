import { describe, expect, it } from "vitest";
import { Api, ApiError, fieldErrors, type Fetch } from "./client";

function answering(status: number, body: unknown, contentType = "application/json") {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetcher = async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return new Response(text, { status, headers: { "Content-Type": contentType } });
  };
  return { fetcher: fetcher as typeof fetch, calls };
}

describe("API client", () => {
  it("sends JSON with the bearer token and reads the answer", async () => {
    const { fetcher, calls } = answering(201, { id: "r1" });
    const api = new Api("tok", fetcher);
    expect(await api.createRoute(["mg-road"], "ulsoor", 2)).toEqual({ id: "r1" });
    expect(calls[0].url).toBe("/api/v1/driver/routes");
    expect(calls[0].init.method).toBe("POST");
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe("Bearer tok");
    expect(JSON.parse(String(calls[0].init.body))).toEqual({
      stationIds: ["mg-road"],
      destinationAreaId: "ulsoor",
      seats: 2,
    });
  });

  it("turns API.md's error body into an ApiError with the field at fault", async () => {
    const { fetcher } = answering(400, {
      error: { code: "INVALID_ARGUMENT", message: "password too short", field: "password" },
    });
    const error = await new Api(null, fetcher).logIn("+91", "x").catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: "INVALID_ARGUMENT",
      field: "password",
      message: "password too short",
    });
    expect(fieldErrors(error)).toEqual({ password: "password too short" });
  });

  it("gives a readable message for answers that are not API errors", async () => {
    const { fetcher } = answering(502, "<html>Bad gateway</html>", "text/html");
    const error = await new Api(null, fetcher).stations().catch((e) => e);
    expect(error).toMatchObject({ status: 502, code: "UNKNOWN" });
    expect(fieldErrors(error).form).toMatch(/briefly unavailable/);
  });

  it("reports a network failure without a status", async () => {
    const failing = (async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof fetch;
    const error = await new Api(null, failing).me().catch((e) => e);
    expect(error).toMatchObject({ status: 0, code: "NETWORK" });
    expect(fieldErrors(new Error("x"))).toEqual({
      form: "Something went wrong; please try again.",
    });
  });

  it("tells the session when the server refuses the token", async () => {
    const refused = (async () =>
      new Response(JSON.stringify({ error: { code: "UNAUTHENTICATED", message: "expired" } }), {
        status: 401,
      })) as unknown as Fetch;
    let told = 0;
    const error = await new Api("old", refused, () => (told += 1)).me().catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(told).toBe(1);
    await new Api(null, refused, () => (told += 1)).logIn("+91", "x").catch(() => undefined);
    expect(told).toBe(1); // a wrong password is not a lost session
  });
});
