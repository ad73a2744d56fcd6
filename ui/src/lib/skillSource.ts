// What the user gives the Skills page to import, read in the browser: a dropped folder (walked
// through its entries), a picked folder (`<input webkitdirectory>`: each file's relative path
// starts with the folder's name), or a .zip / .skill file.
import type { SkillSource } from "./backend";

/** A .zip or .skill file, by its name. */
export function isArchive(name: string): boolean {
  return /\.(zip|skill)$/i.test(name);
}

/** The files of a picked folder, or the one archive picked. `null` when nothing was picked. */
export function fromPicked(files: FileList | File[] | null): SkillSource | null {
  const list = Array.from(files ?? []);
  const first = list[0];
  if (!first) return null;
  if (list.length === 1 && isArchive(first.name) && !first.webkitRelativePath) {
    return { kind: "archive", name: first.name, blob: first };
  }
  const entries = list.map((f) => ({ path: f.webkitRelativePath || f.name, blob: f as Blob }));
  const name = entries[0]?.path.split("/")[0] ?? "a folder";
  return { kind: "folder", name, files: entries };
}

/** What was dropped: a folder (every file under it) or an archive; `null` for anything else. */
export async function fromDrop(data: DataTransfer): Promise<SkillSource | null> {
  const item = Array.from(data.items ?? []).find((i) => i.kind === "file");
  const entry = item?.webkitGetAsEntry?.() ?? null;
  if (entry?.isDirectory) {
    const files = await walk(entry as FileSystemDirectoryEntry);
    return { kind: "folder", name: entry.name, files };
  }
  const file = data.files?.[0];
  if (file && isArchive(file.name)) return { kind: "archive", name: file.name, blob: file };
  return null;
}

/** Every file under `dir`, paths from (and including) its name. */
async function walk(dir: FileSystemDirectoryEntry): Promise<{ path: string; blob: Blob }[]> {
  const out: { path: string; blob: Blob }[] = [];
  const pending: FileSystemDirectoryEntry[] = [dir];
  while (pending.length > 0) {
    const at = pending.pop();
    if (!at) break;
    const reader = at.createReader();
    // A reader answers in batches until an empty one.
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const e of batch) {
        if (e.isDirectory) {
          pending.push(e as FileSystemDirectoryEntry);
        } else {
          const file = await new Promise<File>((resolve, reject) => (e as FileSystemFileEntry).file(resolve, reject));
          out.push({ path: e.fullPath.replace(/^\//, ""), blob: file });
        }
      }
    }
  }
  return out;
}
