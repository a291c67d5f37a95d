import type { ReactNode } from "react";
import { Link, NavLink } from "react-router-dom";
import { useSession } from "../state/session";
import { ConnectionBadge, Toasts } from "./Live";

export function Layout({ children }: { children: ReactNode }) {
  const { user, signOut } = useSession();
  const nav = ({ isActive }: { isActive: boolean }) =>
    `rounded-lg px-3 py-1.5 text-sm font-medium ${isActive ? "bg-indigo-100 text-indigo-800" : "text-slate-600 hover:bg-slate-100"}`;
  return (
    <div className="min-h-screen">
      <header className="sticky top-0 z-[1001] border-b border-slate-200 bg-white/95 backdrop-blur">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-2 px-4 py-3">
          <Link to="/" className="mr-2 text-xl font-bold text-indigo-700">
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
          <div className="ml-auto flex items-center gap-3">
            {user && <ConnectionBadge />}
            {user && (
              <>
                <span className="hidden text-sm text-slate-600 sm:inline" data-testid="who">
                  {user.name} · {user.role}
                </span>
                <button
                  className="text-sm font-medium text-slate-600 hover:text-slate-900"
                  onClick={signOut}
                >
                  Log out
                </button>
              </>
            )}
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-6">{children}</main>
      <Toasts />
    </div>
  );
}
