// Light, dark, or whatever the system prefers; remembered per machine.
export type Theme = "system" | "light" | "dark";
const KEY = "miteos-theme";

export function getTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
}

export function setTheme(theme: Theme): void {
  localStorage.setItem(KEY, theme);
  applyTheme();
}

/** Sets `data-theme` on the document from the saved choice or the system preference. */
export function applyTheme(): void {
  const theme = getTheme();
  const dark =
    theme === "dark" || (theme === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}
