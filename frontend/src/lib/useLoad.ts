import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/client";

export interface Load {
  /** True until the first answer (or error). */
  loading: boolean;
  /** What went wrong with the last try, in words; "" when it worked. */
  error: string;
  /** Loads again (after an error, or when something changed). */
  reload: () => Promise<void>;
}

/** Runs `load` now and on every `reload`, keeping its errors for the screen to show (never
 * an unhandled rejection). A refused token is handled by the session, not shown here. */
export function useLoad(load: () => Promise<void>): Load {
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");
  const latest = useRef(load);
  latest.current = load;
  const reload = useCallback(async () => {
    try {
      await latest.current();
      setError("");
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
      setError(inWords(e));
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [load, reload]);
  return { loading, error, reload };
}

/** An error as a rider or driver should read it: the server's own words for what they can fix,
 * no internals for what they cannot. */
export function inWords(e: unknown): string {
  if (e instanceof ApiError && e.status >= 500) {
    return "LastMile could not answer just now; this is on our side.";
  }
  return e instanceof Error ? e.message : "Something went wrong.";
}
