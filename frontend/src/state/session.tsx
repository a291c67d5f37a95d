// Who is signed in: the token and user, kept for the browser session (sessionStorage).
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { Api } from "../api/client";
import type { Auth, User } from "../api/types";

const KEY = "lastmile.session";
const ENDED_KEY = "lastmile.session.ended";

/** Whether the last session ended because the server refused its token (read once). */
export function sessionEnded(): boolean {
  const ended = sessionStorage.getItem(ENDED_KEY) === "1";
  sessionStorage.removeItem(ENDED_KEY);
  return ended;
}

interface Session {
  user: User | null;
  api: Api;
  signIn: (auth: Auth) => void;
  signOut: () => void;
}

const SessionContext = createContext<Session | null>(null);

function stored(): Auth | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Auth) : null;
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [auth, setAuth] = useState<Auth | null>(stored);
  const signIn = useCallback((next: Auth) => {
    sessionStorage.setItem(KEY, JSON.stringify(next));
    setAuth(next);
  }, []);
  const signOut = useCallback(() => {
    // The token is revoked on the server too; the browser forgets it whatever the answer.
    if (auth) void new Api(auth.token).logOut().catch(() => undefined);
    sessionStorage.removeItem(KEY);
    setAuth(null);
  }, [auth]);
  // An expired, revoked or forged token: back to the log-in page, saying why.
  const expire = useCallback(() => {
    sessionStorage.removeItem(KEY);
    sessionStorage.setItem(ENDED_KEY, "1");
    setAuth(null);
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
