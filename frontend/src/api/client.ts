// The REST client: JSON in and out, the bearer token on every call, and every error turned
// into an ApiError that carries API.md's code, message and (where one is at fault) field.
import type {
  Auth,
  CancelReason,
  Earnings,
  Notification,
  RideRequest,
  Role,
  Route,
  Snapshot,
  Summary,
  TripPosition,
  Station,
  Triggered,
  Trip,
  User,
  Vehicle,
} from "./types";

export const API_BASE = "/api/v1";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Reads an error answer into an ApiError; anything that is not API.md's shape (a proxy's
 * HTML page, a network failure) still becomes a readable message. */
export async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // not JSON
  }
  const error = (body as { error?: { code?: string; message?: string; field?: string } })?.error;
  if (error && typeof error.message === "string") {
    return new ApiError(response.status, error.code ?? "UNKNOWN", error.message, error.field);
  }
  const fallback =
    response.status === 503 || response.status === 502
      ? "The service is briefly unavailable; please try again."
      : `Unexpected answer from the server (${response.status}).`;
  return new ApiError(response.status, "UNKNOWN", fallback);
}

export type Fetch = typeof fetch;

export class Api {
  constructor(
    private token: string | null = null,
    private readonly fetcher: Fetch = (...args) => fetch(...args),
    /** Called when the server refuses the token (expired, revoked, forged). */
    private readonly onUnauthorized: () => void = () => undefined,
  ) {}

  withToken(token: string | null): Api {
    return new Api(token, this.fetcher, this.onUnauthorized);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await this.fetcher(`${API_BASE}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "NETWORK", "Cannot reach LastMile; check your connection.");
    }
    if (!response.ok) {
      const error = await toApiError(response);
      if (response.status === 401 && this.token) this.onUnauthorized();
      throw error;
    }
    return (await response.json()) as T;
  }

  signUp(body: { name: string; phone: string; password: string; role: Role; vehicle?: Vehicle }) {
    return this.call<Auth>("POST", "/auth/signup", body);
  }
  logIn(phone: string, password: string) {
    return this.call<Auth>("POST", "/auth/login", { phone, password });
  }
  me() {
    return this.call<User>("GET", "/me");
  }
  stations() {
    return this.call<Station[]>("GET", "/stations");
  }
  createRoute(stationIds: string[], destinationAreaId: string, seats: number) {
    return this.call<Route>("POST", "/driver/routes", { stationIds, destinationAreaId, seats });
  }
  currentRoute() {
    return this.call<Route>("GET", "/driver/routes/current");
  }
  cancelRoute(id: string) {
    return this.call<Route>("DELETE", `/driver/routes/${encodeURIComponent(id)}`);
  }
  sendLocation(lat: number, lon: number, speedMps?: number) {
    return this.call<{ triggered: Triggered[] }>("POST", "/driver/location", {
      lat,
      lon,
      ...(speedMps === undefined ? {} : { speedMps }),
    });
  }
  createRequest(stationId: string, destinationAreaId: string, arrivalTime: string) {
    return this.call<RideRequest>("POST", "/rider/requests", {
      stationId,
      destinationAreaId,
      arrivalTime,
    });
  }
  requests() {
    return this.call<RideRequest[]>("GET", "/rider/requests");
  }
  request(id: string) {
    return this.call<RideRequest>("GET", `/rider/requests/${encodeURIComponent(id)}`);
  }
  cancelRequest(id: string, reason?: CancelReason) {
    const query = reason ? `?reason=${encodeURIComponent(reason)}` : "";
    return this.call<RideRequest>("DELETE", `/rider/requests/${encodeURIComponent(id)}${query}`);
  }
  trip(id: string) {
    return this.call<Trip>("GET", `/trips/${encodeURIComponent(id)}`);
  }
  pickUp(tripId: string, riders: { riderId: string; pin: string }[]) {
    return this.call<Trip>("POST", `/trips/${encodeURIComponent(tripId)}/pickup`, { riders });
  }
  rate(tripId: string, stars: number, comment = "", riderId?: string) {
    return this.call<{ toUserId: string; stars: number }>(
      "POST",
      `/trips/${encodeURIComponent(tripId)}/rating`,
      { stars, ...(comment ? { comment } : {}), ...(riderId ? { riderId } : {}) },
    );
  }
  waitingForMe() {
    return this.call<{ routeId: string; waiting: Record<string, number> }>(
      "GET",
      "/driver/waiting",
    );
  }
  earnings() {
    return this.call<Earnings>("GET", "/driver/earnings");
  }
  noShow(tripId: string, riderIds: string[]) {
    return this.call<Trip>("POST", `/trips/${encodeURIComponent(tripId)}/no-show`, { riderIds });
  }
  completeTrip(tripId: string) {
    return this.call<Trip>("POST", `/trips/${encodeURIComponent(tripId)}/complete`);
  }
  notifications(after = 0, limit = 100) {
    return this.call<Notification[]>("GET", `/notifications?after=${after}&limit=${limit}`);
  }
  markRead(upTo: number) {
    return this.call<{ updated: number }>("POST", "/notifications/read", { upTo });
  }
  streamTicket() {
    return this.call<{ ticket: string }>("POST", "/notifications/ticket");
  }
  snapshot() {
    return this.call<Snapshot>("GET", "/ops/snapshot");
  }
  summary() {
    return this.call<Summary>("GET", "/ops/summary");
  }
  tripPosition(tripId: string) {
    return this.call<TripPosition>("GET", `/trips/${encodeURIComponent(tripId)}/position`);
  }
  logOut() {
    return this.call<void>("POST", "/auth/logout");
  }
}

/** Field -> message for showing an error next to the field it concerns ("form" when no field
 * is at fault). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (error instanceof ApiError) return { [error.field ?? "form"]: error.message };
  return { form: "Something went wrong; please try again." };
}
