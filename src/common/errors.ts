// The one base of the package's errors. Jest loads this package once outside and once inside
// every test file's module registry, so one class can exist several times in a process and the
// prototype chain alone would make `instanceof` fail across copies. Each error is therefore
// branded, when it is made, with a registered symbol per class of its chain (by class name), and
// `instanceof` checks the brand of the class on its right: every subclass, the user's included,
// works without a line of its own.

const BRAND_PREFIX = 'qemu-iotests.error.';

function brandOf(errorClass: { readonly name: string }): symbol {
  return Symbol.for(BRAND_PREFIX + errorClass.name);
}

// Brand `error` for each class from `leaf` up to (not including) `stop`, the built-in base.
function brandChain(error: Error, leaf: object, stop: object): void {
  for (let cls = leaf; cls !== stop && cls !== Function.prototype;) {
    Object.defineProperty(error, brandOf(cls as { name: string }), {
      value: true,
      enumerable: false,
    });
    cls = Object.getPrototypeOf(cls) as object;
  }
}

function isBranded(errorClass: { readonly name: string }, value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    (value as Record<symbol, unknown>)[brandOf(errorClass)] === true
  );
}

/** Base of the package's errors; `name` is the class's name unless a subclass sets another. */
export class IotestsError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBranded(this, value);
  }

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    brandChain(this, new.target, Error);
  }
}

/** The same, for errors about a wrong argument that stay TypeErrors (matcher and tool misuse). */
export class IotestsTypeError extends TypeError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBranded(this, value);
  }

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    brandChain(this, new.target, TypeError);
  }
}
