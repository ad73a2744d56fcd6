// A team's server in Chromium: the War Room opened without a token asks for one, refuses one
// the server does not know, and with a member's own token shows that member's tasks and not
// another member's.
//
// Env (besides the harness's): MITEOS_MEMBER_TOKEN, MITEOS_OWN_PROMPT, MITEOS_OTHER_PROMPT.
import { base, inBrowser, step } from "./harness.mjs";

const member = process.env.MITEOS_MEMBER_TOKEN;
const own = process.env.MITEOS_OWN_PROMPT;
const other = process.env.MITEOS_OTHER_PROMPT;
if (!member || !own || !other) throw new Error("MITEOS_MEMBER_TOKEN, MITEOS_OWN_PROMPT and MITEOS_OTHER_PROMPT are required");

await inBrowser("team", { viewport: { width: 1280, height: 800 }, colorScheme: "light" }, async ({ page, shot }) => {
  step("without a token the War Room asks for one");
  await page.goto(`${base}/`);
  const field = page.getByLabel("Access token");
  await field.waitFor();
  await page.getByText("Sign in to").waitFor();
  await shot("sign-in-light");

  step("a token the server does not know is refused");
  await field.fill("mt_0000000000000000000000000000000000000000000000000000000000000000");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "does not know that token" }).waitFor();

  step("a member's token opens the War Room with that member's tasks only");
  await field.fill(member);
  await page.getByRole("button", { name: "Sign in" }).click();
  const rail = page.getByRole("navigation", { name: "Tasks" });
  await rail.getByText(own).first().waitFor({ timeout: 20_000 });
  if ((await rail.getByText(other).count()) !== 0) throw new Error("another member's task is in the rail");
  await page.getByRole("button", { name: "History" }).click();
  await page.getByText(own).first().waitFor();
  if ((await page.getByText(other).count()) !== 0) throw new Error("another member's task is in the history");
  step("the rail says who is signed in");
  await page.getByTestId("signed-in").filter({ hasText: "Ada" }).waitFor();
  await shot("team-member-light");

  step("the token is kept for the tab's session");
  await page.reload();
  await rail.getByText(own).first().waitFor();

  step("signing out asks for a token again");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Access token").waitFor();
  await page.reload();
  await page.getByLabel("Access token").waitFor();
});
