// The public REST contract (API.md), as the UI uses it.

export type Role = "rider" | "driver" | "operator";
export interface LatLon {
  lat: number;
  lon: number;
}
export interface Vehicle {
  plate: string;
  model: string;
}
export interface Rating {
  average: number;
  count: number;
}
export interface User {
  id: string;
  name: string;
  phone: string;
  role: Role;
  vehicle?: Vehicle;
  rating?: Rating;
}
export interface Auth {
  token: string;
  user: User;
}
export interface Area {
  id: string;
  name: string;
  location: LatLon;
}
export interface Station {
  id: string;
  name: string;
  location: LatLon;
  triggerRadiusM: number;
  areas: Area[];
}
export type RouteStatus = "OPEN" | "COMPLETED" | "CANCELLED";
export interface Route {
  id: string;
  driverId: string;
  stationIds: string[];
  destinationAreaId: string;
  seatsTotal: number;
  seatsFree: number;
  status: RouteStatus;
  tripId?: string;
}
export type RequestStatus =
  "WAITING" | "MATCHED" | "PICKED_UP" | "DROPPED_OFF" | "CANCELLED" | "EXPIRED" | "NO_SHOW";
export interface RideRequest {
  id: string;
  riderId: string;
  stationId: string;
  destinationAreaId: string;
  arrivalTime: string;
  status: RequestStatus;
  tripId?: string;
  driver?: { id: string; name: string; vehicle?: Vehicle; rating?: Rating };
  pin?: string;
  fare: Fare;
  cancelReason?: CancelReason;
}
export interface Fare {
  amount: number;
  currency: string;
  final: boolean;
}
export type CancelReason = "changed_plans" | "driver_too_far" | "found_other_ride" | "other";
export interface Earnings {
  amount: number;
  currency: string;
  trips: number;
  rides: number;
  since: string;
}
export type TripStatus = "SCHEDULED" | "ACTIVE" | "COMPLETED" | "CANCELLED";
export interface TripRider {
  riderId: string;
  requestId: string;
  stationId: string;
  status: string;
  /** The rider's average rating, in the driver's view. */
  rating?: Rating;
}
export interface Trip {
  id: string;
  routeId: string;
  driverId: string;
  status: TripStatus;
  riders: TripRider[];
  createdAt: string;
  updatedAt: string;
}
export interface Triggered {
  stationId: string;
  tripId: string;
  riderIds: string[];
}
export interface Notification {
  seq: number;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  createdAt: string;
  read: boolean;
}
export interface Snapshot {
  stations: Station[];
  drivers: { driverId: string; location: LatLon; routeId: string; seatsFree?: number | null }[];
  waiting: Record<string, number>;
  trips: Record<string, number>;
}
export interface Summary {
  stations: { id: string; name: string; waiting: number }[];
  trips: Record<string, number>;
  driversOnRoad: number;
  matchesLastHour: number;
}
export interface TripPosition {
  tripId: string;
  location: LatLon;
  speedMps: number;
  at: string;
  /** Seconds until the driver reaches this rider's station, while they wait there. */
  etaS?: number;
}
