import { type DiscoveryService } from '@nestjs/core';

/** One decorated method: the metadata its decorator recorded and the key of the method on the class. */
interface DeclaredHandler<M> {
  method: string | symbol;
  meta: M;
}

/**
 * Records `meta` for a decorated method on its class (read back at boot by `discoverHandlers`). The decorators of
 * the three handler kinds — domain events (@OnEvent), timed events (@OnTimedEvent) and jobs (@OnJob) — are built on
 * it, so a handler is declared where it is written and no module registers anything in a constructor.
 */
export function declareHandler<M>(key: symbol, meta: M): MethodDecorator {
  return (target, method) => {
    const ctor = target.constructor;
    const list: Array<DeclaredHandler<M>> = Reflect.getOwnMetadata(key, ctor) ?? [];
    Reflect.defineMetadata(key, [...list, { method, meta }], ctor);
  };
}

export interface DiscoveredHandler<M> {
  /** `Class.method`, for boot errors and logs. */
  name: string;
  meta: M;
  /** The method bound to its provider instance. */
  call: (...args: never[]) => Promise<void>;
}

/** Every method of every instantiated provider declared with `key`, in the order the container holds them. */
export function discoverHandlers<M>(discovery: DiscoveryService, key: symbol): Array<DiscoveredHandler<M>> {
  const seen = new Set<object>();
  const out: Array<DiscoveredHandler<M>> = [];
  for (const wrapper of discovery.getProviders()) {
    const instance = wrapper.instance as Record<string | symbol, unknown> | undefined;
    // Request-scoped providers have no instance at boot; a provider exported to several modules is one instance.
    if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic() || seen.has(instance)) continue;
    seen.add(instance);
    for (let ctor = instance.constructor; ctor && ctor !== Object; ctor = Object.getPrototypeOf(ctor)) {
      const declared: Array<DeclaredHandler<M>> = Reflect.getOwnMetadata(key, ctor) ?? [];
      for (const d of declared) {
        const fn = instance[d.method];
        if (typeof fn !== 'function') throw new Error(`${ctor.name}.${String(d.method)} is declared as a handler but is not a method`);
        out.push({ name: `${ctor.name}.${String(d.method)}`, meta: d.meta, call: (fn as (...a: never[]) => Promise<void>).bind(instance) });
      }
    }
  }
  return out;
}
