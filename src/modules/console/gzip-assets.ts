import { existsSync } from 'fs';
import { join } from 'path';
import { NotFoundException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * /assets: serves the console's hashed JS/CSS as the gzip copies written next to them at build time
 * (scripts/build-console.sh) to browsers that accept gzip — the first load of a role's page is its gzipped size
 * (bench/run.ts "console first load"); other existing files fall through to the plain static files; a missing
 * file is the platform's JSON 404, never index.html.
 */
export function gzipAssets(assetsDir: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let name: string;
    try {
      name = decodeURIComponent(req.path.replace(/^\/+/, ''));
    } catch {
      name = '';
    }
    if (!name || name.includes('/') || name.includes('\\') || name.includes('..') || !existsSync(join(assetsDir, name))) {
      return next(new NotFoundException(`Cannot ${req.method} ${req.originalUrl}`));
    }
    const ext = /\.(js|css)$/.exec(name)?.[0];
    if (!ext || !/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return next();
    const gz = join(assetsDir, `${name}.gz`);
    if (!existsSync(gz)) return next();
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Type', TYPES[ext]);
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.sendFile(gz, (err) => err && next());
  };
}
