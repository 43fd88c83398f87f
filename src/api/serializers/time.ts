export const iso = (date: Date | null): string | null => date?.toISOString() ?? null;
