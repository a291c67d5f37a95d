import { useEffect, useState } from "react";
import type { Api } from "../api/client";
import type { Station } from "../api/types";

/** The stations (public, cached by the gateway), loaded once per screen. */
export function useStations(api: Api): { stations: Station[]; error: string } {
  const [stations, setStations] = useState<Station[]>([]);
  const [error, setError] = useState("");
  useEffect(() => {
    api.stations().then(setStations, (e: Error) => setError(e.message));
  }, [api]);
  return { stations, error };
}
