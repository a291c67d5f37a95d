import type { ReactNode } from "react";
import { Link, NavLink } from "react-router-dom";
import { useSession } from "../state/session";
import { ConnectionBadge, Toasts } from "./Live";

const focus =
  "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700";

export function Layout({ children }: { children: ReactNode }) {
  const { user, signOut } = useSession();
  const nav = ({ isActive }: { isActive: boolean }) =>
    `rounded-lg px-2 py-1.5 text-sm font-medium whitespace-nowrap sm:px-3 ${focus} ${isActive ? "bg-indigo-100 text-indigo-900" : "text-slate-700 hover:bg-slate-100"}`;
  return (
    <div className="min-h-screen">
      <header className="sticky top-0 z-[1001] border-b border-slate-200 bg-white/95 backdrop-blur">
        <div className="mx-auto flex max-w-6xl flex-nowrap items-center gap-2 px-3 py-3 sm:px-4">
          <Link
            to="/"
            className={`mr-1 rounded text-lg font-bold text-indigo-800 sm:mr-2 sm:text-xl ${focus}`}
          >
            LastMile
          </Link>
          <nav className="flex gap-1" aria-label="Main">
            {user?.role === "rider" && (
              <NavLink to="/rider" className={nav}>
                Ride
              </NavLink>
            )}
            {user?.role === "driver" && (
              <NavLink to="/driver" className={nav}>
                Drive
              </NavLink>
            )}
            <NavLink to="/ops" className={nav}>
              Operations
            </NavLink>
          </nav>
          <div className="ml-auto flex min-w-0 items-center gap-2 sm:gap-3">
            {user && <ConnectionBadge />}
            {user && (
              <>
                <span className="hidden text-sm text-slate-600 sm:inline" data-testid="who">
                  {user.name} · {user.role}
                </span>
                <button
                  className={`rounded px-1 text-sm font-medium whitespace-nowrap text-slate-700 hover:text-slate-900 ${focus}`}
                  onClick={signOut}
                >
                  Log out
                </button>
              </>
            )}
          </div>
        </div>
      </header>
      <Toasts />
      <main className="mx-auto max-w-6xl px-4 py-6">{children}</main>
    </div>
  );
}
