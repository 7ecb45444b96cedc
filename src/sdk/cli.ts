import { SDK_VERSION } from './constants';
import { isSealedBidError } from './errors';
import { type CliCommand, CliError, type CliIo, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './cli/cli-io';
import { openCommand } from './cli/open.command';
import { revealCommand } from './cli/reveal.command';
import { sealCommand } from './cli/seal.command';
import { verifyReceiptCommand } from './cli/verify-receipt.command';
import { v2Commands } from './cli/v2.commands';

const commands: CliCommand[] = [sealCommand, openCommand, revealCommand, verifyReceiptCommand];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `bid-seal ${SDK_VERSION}: prepare and seal electronic bids offline (sealed-bid format v1)`,
    '',
    'Usage: bid-seal <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    ...v2Commands.filter((c) => !commands.some((v1) => v1.name === c.name)).map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "bid-seal <command> --help" for the options of a command. Nothing here needs a network connection.',
  ].join('\n');
}

/** Runs the CLI and returns its exit code; never calls process.exit (usable in-process by tests). */
export function runCli(argv: string[], io: CliIo): number {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h') {
      io.stdout(`${overview()}\n`);
      return EXIT_OK;
    }
    if (name === '--version' || name === '-v') {
      io.stdout(`${SDK_VERSION} (Node.js ${process.versions.node})\n`);
      return EXIT_OK;
    }
    if (name === 'help') {
      const target = v2Commands.find((c) => c.name === rest[0]) ?? commands.find((c) => c.name === rest[0]);
      io.stdout(`${target ? target.usage : overview()}\n`);
      return EXIT_OK;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) throw new CliError(`unknown command "${name}"\n\n${overview()}`);
    return command.run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`bid-seal: ${e.message}\n`);
      return e.exitCode;
    }
    if (isSealedBidError(e)) {
      io.stderr(`bid-seal: ${e.code}: ${e.message}\n`);
      return e.code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAILED;
    }
    io.stderr(`bid-seal: unexpected error: ${(e as Error)?.message ?? String(e)}\n`);
    return EXIT_FAILED;
  }
}

/** The v2 commands (streaming, asynchronous) and then runCli for the rest. */
export async function runCliAsync(argv: string[], io: CliIo): Promise<number> {
  const v2 = v2Commands.find((c) => c.name === argv[0]);
  if (!v2) return runCli(argv, io);
  try {
    return await v2.run(argv.slice(1), io);
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(`bid-seal: ${e.message}\n`);
      return e.exitCode;
    }
    if (isSealedBidError(e)) {
      io.stderr(`bid-seal: ${e.code}: ${e.message}\n`);
      return e.code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAILED;
    }
    io.stderr(`bid-seal: unexpected error: ${(e as Error)?.message ?? String(e)}\n`);
    return EXIT_FAILED;
  }
}

export function main(argv: string[] = process.argv.slice(2)): void {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
  };
  void runCliAsync(argv, io).then((code) => (process.exitCode = code));
}

if (require.main === module) main();
