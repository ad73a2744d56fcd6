import type { Backend } from "./backend";
import { httpBackend, takeToken } from "./http";
import { tauriBackend } from "./tauri";
import { teamBackend } from "./team";

export * from "./backend";

/** The desktop app's commands inside Tauri (or, once the app is switched to a team's server,
 * that server's API through the app); the HTTP API (with the token from the URL) elsewhere.
 * `null` in a browser that has no token yet. */
export async function openBackend(): Promise<Backend | null> {
  if ("__TAURI_INTERNALS__" in window) {
    const local = tauriBackend();
    const server = await local.team?.current().catch((e) => {
      console.error("reading the team server setting", e);
      return null;
    });
    return server?.active ? teamBackend(server, local) : local;
  }
  const token = takeToken();
  return token ? httpBackend(token) : null;
}
