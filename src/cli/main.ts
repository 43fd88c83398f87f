import { Command } from 'commander';
import { CLIENT_COMMANDS, registerClientCommands } from './client/commands.ts';

const program = new Command('sitewarden').description('Sitewarden command line').showHelpAfterError();
registerClientCommands(program);
let isExpected: (err: unknown) => boolean = () => false;

async function main(): Promise<void> {
  // scan, findings and export only speak HTTP: they skip loading Prisma and the admin code, a
  // large share of a CI step's start-up time.
  if (!(CLIENT_COMMANDS as readonly string[]).includes(process.argv[2] ?? '')) {
    const admin = await import('./admin-commands.ts');
    admin.registerAdminCommands(program);
    isExpected = admin.isExpectedAdminError;
  }
  await program.parseAsync();
}

// The client commands settle their own errors (exit 2); this is the admin commands' contract (exit 1).
main().catch((err: unknown) => {
  const message = isExpected(err) ? (err as Error).message : `unexpected error: ${(err as Error).message ?? String(err)}`;
  if (process.argv.includes('--json')) console.error(JSON.stringify({ error: message }));
  else console.error(`sitewarden: ${message}`);
  process.exit(1);
});
