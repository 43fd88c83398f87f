import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { createFilesystemStorage } from '../../../src/platform/storage/filesystem.ts';
import { StorageError } from '../../../src/platform/storage/index.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sitewarden-storage-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

it('writes a stream under its key and reads it back', async () => {
  const storage = createFilesystemStorage(root);
  await storage.put('audit/org/project/r1.json', Readable.from(['{"a":', '1}']), 'application/json');
  expect(await readFile(join(root, 'audit/org/project/r1.json'), 'utf8')).toBe('{"a":1}');
  const object = await storage.open('audit/org/project/r1.json');
  expect(object?.bytes).toBe(7);
  expect(await text(object!.body)).toBe('{"a":1}');
  expect(await storage.open('audit/org/project/missing.json')).toBeNull();
  expect(await storage.presignedUrl('audit/org/project/r1.json', { expiresInSeconds: 60, filename: 'r1.json', contentType: 'application/json' })).toBeNull();
});

it('never leaves half an object: a failing body keeps the old one and no temporary file', async () => {
  const storage = createFilesystemStorage(root);
  await storage.put('a/r.csv', Readable.from(['old']), 'text/csv');
  async function* failing() {
    yield 'new, partial';
    throw new Error('the database went away');
  }
  await expect(storage.put('a/r.csv', Readable.from(failing()), 'text/csv')).rejects.toThrow('the database went away');
  expect(await readFile(join(root, 'a/r.csv'), 'utf8')).toBe('old');
  expect(await readdir(join(root, 'a'))).toEqual(['r.csv']);
});

it('refuses keys that could leave its folder', async () => {
  const storage = createFilesystemStorage(root);
  for (const key of ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a/./b', 'a/b c']) {
    await expect(storage.put(key, Readable.from(['x']), 'text/plain')).rejects.toThrow(StorageError);
  }
});

it('reports a file-system refusal as a permanent StorageError', async () => {
  const blocker = join(root, 'file');
  await writeFile(blocker, 'not a folder');
  const storage = createFilesystemStorage(blocker);
  const failure = await storage.put('a/r.json', Readable.from(['x']), 'application/json').catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(StorageError);
  expect(failure).toMatchObject({ permanent: true, message: expect.stringMatching(/could not write a\/r\.json: (ENOTDIR|EEXIST)/) });
});
