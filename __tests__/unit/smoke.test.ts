import { describe, expect, test } from '@jest/globals';
import execa from 'execa';
import stripAnsi from 'strip-ansi';

describe('toolchain inside the Jest module registry', () => {
  test('execa 5 and strip-ansi 6 load as CommonJS', async () => {
    const { stdout } = await execa('node', [
      '-e',
      'process.stdout.write("\\u001b[31mred\\u001b[0m")',
    ]);
    expect(stripAnsi(stdout)).toBe('red');
  });
});
