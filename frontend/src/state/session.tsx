// Who is signed in: the token and user, kept for this tab (sessionStorage), or on this device
// across tabs (localStorage) when the user asked to stay signed in. Logging out, here or in
// another tab, leaves nothing of the user behind.
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from "react";
import { Api } from "../api/client";
import type { Auth, User } from "../api/types";

const KEY = "lastmile.session";
const ENDED_KEY = "lastmile.session.ended";
// Everything the UI keeps in the browser starts with this.
const PREFIX = "lastmile.";

/** Whether the last session ended because the server refused its token (read once). */
export function sessionEnded(): boolean {
  const ended = sessionStorage.getItem(ENDED_KEY) === "1";
  sessionStorage.removeItem(ENDED_KEY);
  return ended;
}

interface Session {
  user: User | null;
  api: Api;
  signIn: (auth: Auth, stay?: boolean) => void;
  signOut: () => void;
}

const SessionContext = createContext<Session | null>(null);

function stored(): Auth | null {
  try {
    const raw = sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Auth) : null;
  } catch {
    return null;
  }
}

/** Removes every key of the UI's from `storage`. */
function forgetAll(storage: Storage): void {
  const keys = Array.from({ length: storage.length }, (_, i) => storage.key(i) ?? "");
  keys.filter((k) => k.startsWith(PREFIX)).forEach((k) => storage.removeItem(k));
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [auth, setAuth] = useState<Auth | null>(stored);
  const signIn = useCallback((next: Auth, stay = false) => {
    forgetAll(sessionStorage);
    forgetAll(localStorage);
    (stay ? localStorage : sessionStorage).setItem(KEY, JSON.stringify(next));
    setAuth(next);
  }, []);
  const signOut = useCallback(() => {
    // The token is revoked on the server too; the browser forgets it whatever the answer.
    if (auth) void new Api(auth.token).logOut().catch(() => undefined);
    forgetAll(sessionStorage);
    forgetAll(localStorage);
    setAuth(null);
  }, [auth]);
  // An expired, revoked or forged token: back to the log-in page, saying why.
  const expire = useCallback(() => {
    forgetAll(sessionStorage);
    forgetAll(localStorage);
    sessionStorage.setItem(ENDED_KEY, "1");
    setAuth(null);
  }, []);
  // Another tab logged out (or in as someone else) on this device.
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === KEY || event.key === null) setAuth(stored());
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);
  const value = useMemo(
    () => ({
      user: auth?.user ?? null,
      api: new Api(auth?.token ?? null, undefined, expire),
      signIn,
      signOut,
    }),
    [auth, signIn, signOut, expire],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
