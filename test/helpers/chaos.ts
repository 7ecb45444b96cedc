import { type ChildProcess, spawn } from 'child_process';
import { createServer } from 'net';
import { join } from 'path';
import Redis from 'ioredis';

const ROOT = join(__dirname, '../..');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `cond` holds, or fails after `ms` (never a fixed sleep: the machine may be loaded). */
export async function eventually<T>(cond: () => Promise<T | false | null | undefined> | T | false | null | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A Redis server of the test's own, on a free port (never the shared one): it may be flushed, stopped and started
 * again on the same port.
 */
export class OwnRedis {
  private proc: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async up(): Promise<void> {
    if (this.running) return;
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await eventually(() => this.ping(), 15_000, `redis-server on port ${this.port}`);
  }

  async down(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async flushAll(): Promise<void> {
    const c = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await c.connect();
      await c.flushall();
    } finally {
      c.disconnect();
    }
  }

  private async ping(): Promise<boolean> {
    const c = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await c.connect();
      return (await c.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  }
}

/** A worker process (`src/main.worker.ts`) of the platform, started like `npm run start:worker` would. */
export class WorkerProcess {
  private output = '';
  private constructor(readonly proc: ChildProcess) {
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  static async start(env: Record<string, string>): Promise<WorkerProcess> {
    const proc = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'src/main.worker.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const w = new WorkerProcess(proc);
    await eventually(
      () => {
        if (proc.exitCode !== null) throw new Error(`the worker exited (${proc.exitCode}): ${w.output.slice(-2000)}`);
        return w.output.includes('workers running');
      },
      90_000,
      'the worker process to start',
    );
    return w;
  }

  get log(): string {
    return this.output;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill(signal);
    await exited;
  }
}
