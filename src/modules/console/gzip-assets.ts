import { existsSync } from 'fs';
import { join } from 'path';
import type { NextFunction, Request, Response } from 'express';

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * Serves the console's hashed JS/CSS as the gzip copies written next to them at build time
 * (scripts/build-console.sh), to browsers that accept gzip: the first load of a role's page is its gzipped size
 * (bench/run.ts "console first load"). Anything else falls through to the plain static files.
 */
export function gzipAssets(assetsDir: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const name = req.path.replace(/^\/+/, '');
    const ext = /\.(js|css)$/.exec(name)?.[0];
    if (!ext || name.includes('/') || name.includes('..') || !/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return next();
    const gz = join(assetsDir, `${name}.gz`);
    if (!existsSync(gz)) return next();
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Type', TYPES[ext]);
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.sendFile(gz, (err) => err && next());
  };
}
