import { Module, NotFoundException, OnModuleInit } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { isRouteExcluded } from '@nestjs/serve-static/dist/utils/is-route-excluded.util';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { ExpressLoader, ServeStaticModuleOptions } from '@nestjs/serve-static';
import { AppConfig } from 'src/infra/config/app-config';
import { join } from 'path';
import { CONSOLE_EXCLUDED_PATHS } from './console-paths';
import { gzipAssets } from './gzip-assets';

/**
 * The web console (控制台, web/): its static build served at / by this same process (UI.md "Serving"), with
 * @nestjs/serve-static's Express loader. Every GET that is not a file of the build and not excluded gets index.html,
 * so deep links (/tenders/<id>, /admin) load the console, whose router shows the page (or its own 404). Controllers
 * (API, /health, /metrics) are routed before module init and Swagger and the queue dashboard are mounted before it
 * (bootstrap.ts), so this catch-all, registered in onModuleInit, comes after all of them.
 *
 * Why not `ServeStaticModule.forRoot`: it picks its loader when the module is compiled, which in the e2e tests
 * (`Test.createTestingModule(...).compile()` before `createNestApplication`) is before an HTTP adapter exists, so it
 * silently serves nothing there. Registering at init serves the same files the same way in `npm start` and in tests;
 * an application context without HTTP (the worker) has no adapter and serves nothing.
 */
@Module({})
export class ConsoleModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly applicationConfig: ApplicationConfig,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const options: ServeStaticModuleOptions = {
      rootPath: this.config.consoleDir,
      // Exclusions are applied by the guard below, not by the loader: the loader's error middleware turns every
      // error on an excluded path into a 404 — a JSON body that does not parse (400) or is too large (413) included.
      exclude: [],
      serveStaticOptions: {
        index: false,
        fallthrough: true,
        // Hashed asset names never change content: cache them for a year; index.html is always revalidated.
        setHeaders: (res, filePath) => {
          res.setHeader('Cache-Control', /[\\/]assets[\\/]/.test(filePath) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      },
    };
    const app = adapter.getInstance<{ use: (...args: unknown[]) => void }>();
    // The API, health, metrics, docs and the queue dashboard never get the console: an unknown GET there stays the
    // platform's JSON 404 (through the global exception filter, as before).
    app.use((req: Request, _res: Response, next: NextFunction) =>
      (req.method === 'GET' || req.method === 'HEAD') && isRouteExcluded(req, CONSOLE_EXCLUDED_PATHS)
        ? next(new NotFoundException(`Cannot ${req.method} ${req.originalUrl}`))
        : next(),
    );
    app.use('/assets', gzipAssets(join(this.config.consoleDir, 'assets')));
    new ExpressLoader().register(adapter, this.applicationConfig, [options]);
  }
}
