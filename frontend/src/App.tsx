import { lazy, Suspense, type ReactElement } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router-dom";
import type { Role } from "./api/types";
import { Layout } from "./components/Layout";
import { PageSkeleton } from "./components/States";
import { AuthPage } from "./pages/AuthPage";
import { NotificationsProvider } from "./state/notifications";
import { SessionProvider, useSession } from "./state/session";

// Each screen's code (and the map library) loads when the screen is first shown: the sign-up
// page, the first a newcomer sees, carries none of it.
const RiderPage = lazy(() => import("./pages/RiderPage"));
const DriverPage = lazy(() => import("./pages/DriverPage"));
const OpsPage = lazy(() => import("./pages/OpsPage"));

export function homeOf(role: Role): string {
  return role === "operator" ? "/ops" : `/${role}`;
}

function Home() {
  const { user } = useSession();
  if (!user) return <AuthPage />;
  return <Navigate to={homeOf(user.role)} replace />;
}

function Only({ role, children }: { role: Role; children: ReactElement }) {
  const { user } = useSession();
  if (!user) return <Navigate to="/" replace />;
  if (user.role !== role) return <Navigate to={homeOf(user.role)} replace />;
  return children;
}

export function App() {
  return (
    <SessionProvider>
      <NotificationsProvider>
        <BrowserRouter>
          <Layout>
            <Suspense fallback={<PageSkeleton />}>
              <Routes>
                <Route path="/" element={<Home />} />
                <Route
                  path="/rider"
                  element={
                    <Only role="rider">
                      <RiderPage />
                    </Only>
                  }
                />
                <Route
                  path="/driver"
                  element={
                    <Only role="driver">
                      <DriverPage />
                    </Only>
                  }
                />
                <Route path="/ops" element={<OpsPage />} />
                <Route path="*" element={<Navigate to="/" replace />} />
              </Routes>
            </Suspense>
          </Layout>
        </BrowserRouter>
      </NotificationsProvider>
    </SessionProvider>
  );
}
