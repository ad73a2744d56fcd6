// The HTTP client's types, generated from the API's OpenAPI document (docs/openapi.json, which
// a Rust test keeps equal to the handlers): `npm run api` writes src/lib/backend/api.d.ts,
// `npm run api -- --check` fails when the committed file differs (scripts/test.sh runs it).
import { readFile, writeFile } from "node:fs/promises";
import openapiTS, { astToString } from "openapi-typescript";

const source = new URL("../../docs/openapi.json", import.meta.url);
const target = new URL("../src/lib/backend/api.d.ts", import.meta.url);
const header =
  "// Generated from docs/openapi.json by ui/scripts/api-types.mjs (`npm run api`). Do not edit.\n\n";

const generated = header + astToString(await openapiTS(source));
if (process.argv.includes("--check")) {
  const committed = await readFile(target, "utf8").catch(() => "");
  if (committed !== generated) {
    console.error("src/lib/backend/api.d.ts is out of date with docs/openapi.json: run `npm --prefix ui run api`");
    process.exit(1);
  }
  console.log("api.d.ts matches docs/openapi.json");
} else {
  await writeFile(target, generated);
  console.log("wrote src/lib/backend/api.d.ts");
}
