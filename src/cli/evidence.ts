import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Option, type Command } from 'commander';
import { AdminInputError } from '../admin/tenants.ts';
import { loadConfig } from '../platform/config.ts';
import { resolveInstanceSecret } from '../platform/crypto.ts';
import { connectDatabase } from '../platform/db.ts';
import { knownPublicKeys, publicKeyFromPem, publishedSigningKey, rotateSigningKey } from '../platform/signing.ts';
import { verifyEvidence } from '../reports/verify.ts';
import type { WithDb } from './ai.ts';

const jsonOption = () => new Option('--json', 'print exactly one JSON object');

/** `sitewarden admin signing-key` and `sitewarden verify`: the signed evidence of report exports. */
export function registerEvidenceCommands(program: Command, admin: Command, withDb: WithDb): void {
  admin
    .command('signing-key')
    .description("the instance's public Ed25519 key that signs export evidence (made on first use)")
    .option('--rotate', 'make a new active key (old evidence stays verifiable with the old key)')
    .addOption(jsonOption())
    .action((opts: { rotate?: boolean; json?: boolean }) =>
      withDb(
        !!opts.json,
        (prisma) => {
          const secret = resolveInstanceSecret(loadConfig());
          return opts.rotate ? rotateSigningKey(prisma, secret) : publishedSigningKey(prisma, secret);
        },
        (key) => `${key.public_key_pem.trimEnd()}\nkey id ${key.key_id} (ed25519, since ${key.created_at})`,
      ),
    );

  program
    .command('verify')
    .description("check an exported artifact against its evidence: the signature, then the artifact's SHA-256")
    .argument('<artifact>', 'the exported file')
    .argument('<envelope>', 'the DSSE envelope (JSON), or the output of GET reports/:id/evidence')
    .option('--key <pem>', "the public key (SPKI PEM), for offline use; default: this instance's keys, from the database")
    .addOption(jsonOption())
    .action(async (artifact: string, envelopePath: string, opts: { key?: string; json?: boolean }) => {
      const [sha256, document, keys] = await Promise.all([sha256Of(artifact), readJson(envelopePath), opts.key ? keyFromFile(opts.key) : instanceKeys()]);
      const outcome = verifyEvidence(document, sha256, keys);
      if (!outcome.verified) {
        if (opts.json) console.error(JSON.stringify({ verified: false, error: outcome.reason }));
        else console.error(`sitewarden: NOT verified: ${outcome.reason}`);
        process.exitCode = 1;
        return;
      }
      const { predicate } = outcome.statement;
      const summary = { verified: true, subject: outcome.subject, sha256, key_id: outcome.key_id, report_id: predicate.report.id, finding_count: predicate.finding_count, exported_at: predicate.exported_at };
      console.log(
        opts.json
          ? JSON.stringify(summary)
          : `verified: ${artifact} is ${outcome.subject} (sha256 ${sha256}), ${predicate.finding_count} findings exported ${predicate.exported_at}, signed by key ${outcome.key_id}`,
      );
    });
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash).catch((err: NodeJS.ErrnoException) => {
    throw new AdminInputError(`cannot read ${path}: ${err.code ?? err.message}`);
  });
  return hash.digest('hex');
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new AdminInputError(`cannot read ${path}: ${err.code ?? err.message}`);
  });
  try {
    return JSON.parse(text);
  } catch {
    throw new AdminInputError(`${path} is not JSON`);
  }
}

async function keyFromFile(path: string) {
  const pem = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new AdminInputError(`cannot read ${path}: ${err.code ?? err.message}`);
  });
  try {
    return [publicKeyFromPem(pem)];
  } catch (err) {
    throw new AdminInputError(`${path}: ${(err as Error).message}`);
  }
}

async function instanceKeys() {
  const db = connectDatabase(loadConfig().DATABASE_URL, 1);
  try {
    return (await knownPublicKeys(db.prisma)).map((key) => publicKeyFromPem(key.public_key_pem));
  } finally {
    await db.close();
  }
}
