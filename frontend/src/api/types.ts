// The public REST contract (API.md), as the UI uses it: the shapes come from the gateway's
// OpenAPI document (schema.d.ts is generated from frontend/openapi.json: `make ui-types`).
import type { components } from "./schema";

type Schemas = components["schemas"];

export type LatLon = Schemas["LatLon"];
export type Vehicle = Schemas["Vehicle"];
export type Rating = Schemas["RatingSummary"];
export type User = Schemas["User"];
export type Role = User["role"];
export type Auth = Schemas["Auth"];
export type Area = Schemas["Area"];
export type Station = Schemas["Station"];
export type Route = Schemas["Route"];
export type RouteStatus = Route["status"];
export type RideRequest = Schemas["RideRequest"];
export type RequestStatus = RideRequest["status"];
export type Fare = Schemas["Fare"];
export type Earnings = Schemas["Earnings"];
export type Trip = Schemas["Trip"];
export type TripStatus = Trip["status"];
export type TripRider = Schemas["TripRider"];
export type Triggered = Schemas["Triggered"];
export type Notification = Schemas["Notification"];
export type Snapshot = Schemas["Snapshot"];
export type Summary = Schemas["Summary"];
export type TripPosition = Schemas["Position"];

/** Why a rider cancels a matched ride (DELETE /rider/requests/{id}?reason=). */
export type CancelReason = "changed_plans" | "driver_too_far" | "found_other_ride" | "other";
