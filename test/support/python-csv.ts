import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Python's csv module, the strictest common reader: it guesses nothing (a record ends at any
 * unquoted line break, CR or LF) and, with strict=True, refuses a stray quote. Reads the file
 * as a spreadsheet-made CSV (dialect "excel") and returns its rows as Python saw them.
 */
const READER = `
import csv, json, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    rows = list(csv.reader(f, dialect='excel', strict=True))
json.dump(rows, sys.stdout)
`;

export async function readCsvWithPython(path: string): Promise<string[][]> {
  const { stdout } = await run('python3', ['-c', READER, path], { maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout) as string[][];
}

/** The same, for CSV text held in memory: written to a temporary file first. */
export async function parseCsvWithPython(text: string): Promise<string[][]> {
  const folder = await mkdtemp(join(tmpdir(), 'sitewarden-csv-'));
  try {
    const path = join(folder, 'report.csv');
    await writeFile(path, text, 'utf8');
    return await readCsvWithPython(path);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
