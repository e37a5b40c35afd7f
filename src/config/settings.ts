import { ConfigError, type SettingOrigin } from './errors';
import type { ConfigSource } from './types';

/** One variable's effective value and where it came from. */
export interface Setting {
  name: string;
  value: string | undefined;
  origin: SettingOrigin;
}

const TRUE_WORDS = ['y', 'yes', 'true', '1', 'on'];
const FALSE_WORDS = ['n', 'no', 'false', '0', 'off'];

/**
 * Looks variables up in the process-like environment first, then in Jest's
 * testEnvironmentOptions. An empty string counts as unset, as in a shell.
 */
export class SettingsReader {
  private readonly env: ConfigSource;
  private readonly options: ReadonlyMap<string, string>;

  constructor(env: ConfigSource, options: Readonly<Record<string, unknown>>) {
    this.env = env;
    this.options = normalizeOptions(options);
  }

  /** The value of `name` (or of the first alias found in the options), env winning over options. */
  get(name: string, optionAliases: readonly string[] = []): Setting {
    const fromEnv = this.env[name];
    if (fromEnv !== undefined && fromEnv !== '') {
      return { name, value: fromEnv, origin: 'env' };
    }
    for (const key of [name, ...optionAliases]) {
      const fromOptions = this.options.get(key);
      if (fromOptions !== undefined && fromOptions !== '') {
        return { name, value: fromOptions, origin: 'options' };
      }
    }
    return { name, value: undefined, origin: 'default' };
  }

  /** A yes/no variable; unset gives `fallback`. */
  flag(name: string, fallback = false): boolean {
    const setting = this.get(name);
    return setting.value === undefined ? fallback : parseFlag(setting);
  }

  /** A yes/no variable, or undefined when unset (so the caller can derive a default). */
  optionalFlag(name: string): boolean | undefined {
    const setting = this.get(name);
    return setting.value === undefined ? undefined : parseFlag(setting);
  }

  /** A value that must be one of `accepted`; unset gives `fallback`. */
  choice<T extends string>(name: string, accepted: readonly T[], fallback: T, what: string): T {
    const setting = this.get(name);
    if (setting.value === undefined) return fallback;
    const found = accepted.find((candidate) => candidate === setting.value);
    if (found === undefined) {
      throw new ConfigError({
        variable: name,
        value: setting.value,
        origin: setting.origin,
        problem: `not ${what}`,
        hint: `accepted: ${accepted.join(', ')}`,
      });
    }
    return found;
  }

  /** A duration given in seconds (fractions allowed), returned in milliseconds. */
  secondsAsMs(name: string, fallbackSeconds: number): number {
    const setting = this.get(name);
    if (setting.value === undefined) return fallbackSeconds * 1000;
    const text = setting.value.trim();
    const seconds = /^(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(text) ? Number(text) : Number.NaN;
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new ConfigError({
        variable: name,
        value: setting.value,
        origin: setting.origin,
        problem: 'not a positive number of seconds',
        hint: `accepted: a number greater than 0 such as 30 or 0.5 (default ${fallbackSeconds})`,
      });
    }
    return Math.max(1, Math.round(seconds * 1000));
  }
}

function parseFlag(setting: Setting): boolean {
  const word = (setting.value ?? '').trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new ConfigError({
    variable: setting.name,
    value: setting.value,
    origin: setting.origin,
    problem: 'not a yes/no value',
    hint: `accepted: ${TRUE_WORDS.join(', ')} or ${FALSE_WORDS.join(', ')}`,
  });
}

// Jest passes testEnvironmentOptions through as parsed JSON, so numbers and
// booleans are normal there; anything structured is a mistake worth naming.
function normalizeOptions(options: Readonly<Record<string, unknown>>): ReadonlyMap<string, string> {
  const normalized = new Map<string, string>();
  for (const [key, raw] of Object.entries(options)) {
    if (raw === undefined || raw === null) continue;
    if (typeof raw === 'string') {
      normalized.set(key, raw);
    } else if (typeof raw === 'number' || typeof raw === 'boolean') {
      normalized.set(key, String(raw));
    } else if (looksLikeOurVariable(key)) {
      throw new ConfigError({
        variable: key,
        value: JSON.stringify(raw) ?? typeof raw,
        origin: 'options',
        problem: `is a ${Array.isArray(raw) ? 'list' : typeof raw}`,
        hint: 'accepted: a string, number or boolean',
      });
    }
  }
  return normalized;
}

// Other environments' options may share the object; only upper-case names are ours.
function looksLikeOurVariable(key: string): boolean {
  return (
    /^[A-Z][A-Z0-9_]*$/.test(key) || ['buildDir', 'qemuRelease', 'referenceBase'].includes(key)
  );
}
