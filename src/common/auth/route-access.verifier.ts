import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { PATH_METADATA } from '@nestjs/common/constants';
import { PUBLIC_KEY, ROLES_KEY } from './access.decorators';

/** Start-up check: a route without @Roles or @Public is a bug, so the platform refuses to start. */
@Injectable()
export class RouteAccessVerifier implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    const missing: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance) continue;
      const proto = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const handler = proto[name];
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const targets = [handler, wrapper.metatype as object];
        const ok = this.reflector.getAllAndOverride(PUBLIC_KEY, targets as never) || (this.reflector.getAllAndOverride<unknown[]>(ROLES_KEY, targets as never)?.length ?? 0) > 0;
        if (!ok) missing.push(`${wrapper.name}.${name}`);
      }
    }
    if (missing.length) throw new Error(`Routes without @Roles or @Public: ${missing.join(', ')}`);
  }
}
