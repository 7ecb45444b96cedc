import { type ChildProcess, spawn } from 'child_process';
import { join } from 'path';

export interface RunningCustodian {
  name: string;
  dir: string;
  port: number;
  url: string;
  /** base64 DER SPKI of its Ed25519 release-signing key, as it printed it. */
  publicKey: string;
  proc: ChildProcess;
  stop: () => Promise<void>;
}

/**
 * Starts one escrow custodian server (src/custodian/main.ts, what `npm run custodian` runs) as a separate process, on
 * its own folder, with the given registered-key file; port 0 = any free port. Resolves once it prints where it listens.
 */
export function startCustodian(opts: { name: string; dir: string; authKeyFile: string; port?: number; extraArgs?: string[] }): Promise<RunningCustodian> {
  const root = join(__dirname, '..', '..');
  const proc = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'src/custodian/main.ts',
      '--name',
      opts.name,
      '--dir',
      opts.dir,
      '--auth-key-file',
      opts.authKeyFile,
      '--port',
      String(opts.port ?? 0),
      ...(opts.extraArgs ?? []),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(root, 'tsconfig.json') } },
  );
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`custodian ${opts.name} did not start: ${stderr}`));
    }, 45_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`custodian ${opts.name} exited (${code}): ${stderr}`));
    });
    const onData = (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      proc.stdout!.off('data', onData);
      proc.stdout!.resume(); // keep draining its request log
      clearTimeout(timer);
      const first = JSON.parse(out.slice(0, nl)) as { listening: number; publicKey: string };
      resolve({
        name: opts.name,
        dir: opts.dir,
        port: first.listening,
        url: `http://127.0.0.1:${first.listening}`,
        publicKey: first.publicKey,
        proc,
        stop: async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          const hard = setTimeout(() => proc.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(hard);
        },
      });
    };
    proc.stdout!.on('data', onData);
  });
}
