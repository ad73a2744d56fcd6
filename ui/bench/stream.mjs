// Runs the UI stream benchmark (bench/stream.ts) in Debian's Chromium and prints its figures.
// `npm run bench:stream` (builds bench/ into dist-bench/ first); `npm run bench:stream -- fan-out`
// for a fan-out over 100 items.
import { createReadStream, existsSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../dist-bench/", import.meta.url));
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
const server = createServer((req, res) => {
  const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
  const file = path.endsWith("/") ? join(path, "stream.html") : path;
  if (!file.startsWith(root) || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" });
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", () => r(undefined)));
const address = server.address();
const port = typeof address === "object" && address ? address.port : 0;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const mode = process.argv[2] === "fan-out" ? "?mode=fan-out" : "";
  await page.goto(`http://127.0.0.1:${port}/bench/stream.html${mode}`);
  await page.waitForFunction(() => "__result" in window, null, { timeout: 60_000 });
  const result = await page.evaluate(() => /** @type {any} */ (window).__result);
  const round = (x) => Math.round(x * 10) / 10;
  console.log(JSON.stringify(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, round(v)]))));
} finally {
  await browser.close();
  server.close();
}
