/**
 * A stand-in for `real` with some methods replaced. Every other member is read from `real` and its
 * methods run with `this === real`, so state the object writes (queues, flags) stays on the real
 * object. (`Object.create(real)` does not: a method called through it writes its fields onto the
 * stand-in, so e.g. a serializing queue splits in two and calls overlap on one connection.)
 */
export function delegate<T extends object>(real: T, overrides: Partial<T>): T {
  return new Proxy(real, {
    get(target, key) {
      if (Object.prototype.hasOwnProperty.call(overrides, key)) return (overrides as Record<PropertyKey, unknown>)[key];
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
