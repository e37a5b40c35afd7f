import { IotestsError } from '../common/errors';

/** Where a setting's value came from, so an error can point at the right place to fix it. */
export type SettingOrigin = 'env' | 'options' | 'default';

/** Fields describing a configuration problem. */
export interface ConfigErrorDetails {
  variable: string;
  value: string | undefined;
  /** What is wrong, e.g. 'not a cache mode'. */
  problem: string;
  /** What is accepted or how to fix it. */
  hint: string;
  origin?: SettingOrigin;
}

/** A bad or unusable configuration value; the message is one line naming the value and the fix. */
export class ConfigError extends IotestsError {
  readonly variable: string;
  readonly value: string | undefined;
  readonly hint: string;
  readonly origin: SettingOrigin;

  constructor(details: ConfigErrorDetails) {
    super(formatMessage(details));
    this.variable = details.variable;
    this.value = details.value;
    this.hint = details.hint;
    this.origin = details.origin ?? 'env';
  }
}

function formatMessage(details: ConfigErrorDetails): string {
  const where =
    details.origin === 'options' ? `testEnvironmentOptions.${details.variable}` : details.variable;
  // JSON quoting keeps the message on one line whatever the value holds.
  const quoted = JSON.stringify(details.value ?? '');
  let shown = '';
  if (details.value !== undefined) {
    shown = details.origin === 'default' ? ` unset (default ${quoted})` : `=${quoted}`;
  }
  return `${where}${shown}: ${details.problem}; ${details.hint}`;
}
