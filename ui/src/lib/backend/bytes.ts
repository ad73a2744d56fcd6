// Bytes for the transports that carry them as text.

/** A browser file's bytes as standard base64. */
export async function base64(blob: Blob | undefined): Promise<string> {
  if (!blob) return "";
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
