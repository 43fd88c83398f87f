/** Under the API's 256 KiB body limit: a paste of a huge file is refused here, not by a 413. */
export const MAX_CONFIG_CHARS = 200_000;

/** A config is a JSON object: the editor says where the text is not one before anything is sent. */
export function parseConfig(text: string): { ok: true; config: Record<string, unknown> } | { ok: false; message: string } {
  if (text.length > MAX_CONFIG_CHARS) return { ok: false, message: `The config is longer than ${MAX_CONFIG_CHARS} characters.` };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'The config must be a JSON object ({ … }).' };
    return { ok: true, config: value as Record<string, unknown> };
  } catch (err) {
    return { ok: false, message: `Not JSON: ${err instanceof Error ? err.message : 'syntax error'}` };
  }
}
