// The desktop app on a team's server: the HTTP backend (the same REST + SSE calls as in a
// browser), its requests carried by the app (`team_fetch`), which adds the person's token and
// streams the answer back over a channel. The window never holds the token, and its content
// security policy stays closed to other hosts. Files are saved where the person chooses (the
// native save dialog); notifications and links are the app's.
import { Channel } from "@tauri-apps/api/core";
import { save } from "@tauri-apps/plugin-dialog";
import type { TeamServer } from "../types/core";
import { type Backend, BackendError, type InvokeResponseBody, type TeamSwitch, toBackendError } from "./backend";
import { base64 } from "./bytes";
import { commands } from "./commands";
import { fromBlob, httpBackend } from "./http";

/** Request headers the app passes on (it sets the token itself). */
const PASSED = ["content-type", "accept", "last-event-id"];
/** Statuses whose answers have no body (a `Response` refuses one). */
const NO_BODY = [101, 204, 205, 304];

/** `fetch` through the app to the team server at `base`: same signature, same `Response`. */
export function teamFetch(base: string): typeof fetch {
  const prefix = new URL(base).pathname.replace(/\/$/, "");
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const path = (url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname) + url.search;
    const headers: [string, string][] = [];
    request.headers.forEach((value, name) => {
      if (PASSED.includes(name.toLowerCase())) headers.push([name, value]);
    });
    const bytes = request.method === "GET" || request.method === "HEAD" ? null : await request.blob();
    const body = bytes && bytes.size > 0 ? await base64(bytes) : null;

    // The body's chunks arrive on the channel, possibly before the status does. `ended`: the
    // app's side is done (it sent the end); `cancelled`: the reader gave up first.
    const channel = new Channel<InvokeResponseBody>();
    let stream: number | null = null;
    let ended = false;
    let cancelled = false;
    const cancel = () => {
      cancelled = true;
      if (stream !== null && !ended) void commands.stopTeamFetch(stream).catch(() => {});
    };
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        channel.onmessage = (message) => {
          if (ended || cancelled) return;
          if (message instanceof ArrayBuffer) {
            controller.enqueue(new Uint8Array(message));
            return;
          }
          ended = true;
          if (message.error) controller.error(new TypeError(message.error));
          else controller.close();
        };
        request.signal.addEventListener("abort", () => {
          if (ended || cancelled) return;
          cancel();
          controller.error(new DOMException("the request was aborted", "AbortError"));
        });
      },
      cancel,
    });
    if (request.signal.aborted) throw new DOMException("the request was aborted", "AbortError");
    let fetched;
    try {
      fetched = await commands.teamFetch({ method: request.method, path, headers, body }, channel);
    } catch (e) {
      // `fetch` rejects with a TypeError when the server cannot be reached.
      throw new TypeError(toBackendError(e).message);
    }
    stream = fetched.stream;
    // Given up while the status was on its way: stop the app's side now.
    if (cancelled && !ended) void commands.stopTeamFetch(stream).catch(() => {});
    const empty = NO_BODY.includes(fetched.status) || request.method === "HEAD";
    return new Response(empty ? null : chunks, {
      status: fetched.status,
      headers: fetched.headers,
    });
  };
}

/** The switch in the app: `team_server` and friends; a switch reloads the window. */
export const teamSwitch: TeamSwitch = {
  current: () => call(commands.teamServer()),
  connect: (url, token) => call(commands.connectTeamServer(url, token)),
  use: async (active) => {
    await call(commands.useTeamServer(active));
  },
  forget: () => call(commands.forgetTeamServer()),
};

async function call<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (e) {
    throw toBackendError(e);
  }
}

/** The War Room of the desktop app on `server`, with `local`'s native parts (notifications,
 * links, the switch back). */
export function teamBackend(server: TeamServer, local: Backend): Backend {
  const saveAs = async (path: string, name: string) => {
    const destination = await save({ defaultPath: name, title: `Save ${name}` });
    if (!destination) return false;
    await call(commands.teamDownload(path, destination));
    return true;
  };
  // The token is the app's: the window sends none. Documents picked in the native dialog or
  // dropped on the window are read by the app.
  const http = httpBackend("", {
    base: server.url,
    fetch: teamFetch(server.url),
    save: saveAs,
    attachment: (file) => (file.path ? call(commands.teamAttachment(file.path)) : fromBlob(file)),
  });
  return {
    ...http,
    kind: "team",
    apiInfo: async () => null,
    signedIn: async () => {
      const who = await http.signedIn();
      return who ?? { name: server.account ?? "the server's own token", admin: server.admin };
    },
    signOut: () => {
      void teamSwitch
        .use(false)
        .then(() => location.reload())
        .catch((e) => alert(e instanceof BackendError ? e.message : String(e)));
    },
    team: teamSwitch,
    pickFiles: local.pickFiles,
    onDroppedPaths: local.onDroppedPaths,
    notify: local.notify,
    openUrl: local.openUrl,
  };
}
