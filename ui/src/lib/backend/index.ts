import type { Backend } from "./backend";
import { httpBackend, takeToken } from "./http";
import { tauriBackend } from "./tauri";

export * from "./backend";

/** The desktop app's commands inside Tauri; the HTTP API (with the token from the URL) elsewhere.
 * `null` in a browser that has no token yet. */
export function pickBackend(): Backend | null {
  if ("__TAURI_INTERNALS__" in window) return tauriBackend();
  const token = takeToken();
  return token ? httpBackend(token) : null;
}
