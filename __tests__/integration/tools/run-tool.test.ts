// The generic runner under the tool wrappers: ordered combined output, universal newlines,
// timeouts, stdin, and a program that cannot be started. Uses node itself as the "tool".
import { describe, expect, test } from '@jest/globals';

import {
  QemuToolError,
  runQemuTool,
  runTool,
  setToolOutputSink,
  toolPipeAndStatus,
  universalNewlines,
} from '../../../src/iotests/tools';
import { TrackedProcess } from '../../../src/iotests/tools/tracked-process';

const node = process.execPath;

describe('runTool', () => {
  test('stdout and stderr written alternately arrive in exactly that order', async () => {
    const script =
      "const fs = require('fs');" +
      "for (let i = 0; i < 2000; i++) { fs.writeSync(1, 'o' + i + '\\n'); fs.writeSync(2, 'e' + i + '\\n'); }";
    const result = await runTool('node', [node, '-e', script]);
    let expected = '';
    for (let i = 0; i < 2000; i++) {
      expected += `o${i}\ne${i}\n`;
    }
    expect(result.stdout).toBe(expected);
    expect(result.stderr).toBeUndefined();
  });

  test('combineStdio: false keeps the streams apart', async () => {
    const script =
      "process.stdout.write('out\\n'); process.stderr.write('err\\n'); process.exit(3)";
    const result = await runTool('node', [node, '-e', script], { combineStdio: false });
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 3, returncode: 3 });
  });

  test("output is read with Python's universal newlines, UTF-8 split across writes intact", async () => {
    const script =
      "const fs = require('fs'); const b = Buffer.from('ü字\\r\\nx\\ry\\n');" +
      'for (const byte of b) fs.writeSync(1, Buffer.from([byte]));';
    const result = await runTool('node', [node, '-e', script]);
    expect(result.stdout).toBe('ü字\nx\ny\n');
    expect(universalNewlines('a\r\nb\rc\n\r')).toBe('a\nb\nc\n\n');
  });

  test('input goes to stdin', async () => {
    const script = 'process.stdin.pipe(process.stdout)';
    const result = await runTool('node', [node, '-e', script], { input: 'hello\nworld' });
    expect(result.stdout).toBe('hello\nworld');
  });

  test('a hung tool is killed after timeoutMs and reported as timed out', async () => {
    const started = Date.now();
    const error = await runQemuTool('node', [node, '-e', 'setInterval(() => {}, 1000)'], {
      timeoutMs: 300,
      check: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QemuToolError);
    const toolError = error as QemuToolError;
    expect(toolError.timedOut).toBe(true);
    expect(toolError.signal).toBe('SIGKILL');
    expect(toolError.message).toMatch(/timed out and was killed/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test('a missing program names the variable to set', async () => {
    await expect(runTool('qemu-img', ['/nonexistent/qemu-img', 'info'])).rejects.toThrow(
      /cannot run qemu-img \(\/nonexistent\/qemu-img\): .*ENOENT.*set QEMU_IMG_PROG/,
    );
  });

  test('a missing long-lived tool (server, daemon) names the variable to set too', async () => {
    await expect(TrackedProcess.spawn('qemu-nbd', ['/nonexistent/qemu-nbd'])).rejects.toThrow(
      /cannot run qemu-nbd \(\/nonexistent\/qemu-nbd\): .*ENOENT.*set QEMU_NBD_PROG/,
    );
  });

  const outAndErr =
    "process.stdout.write('out\\n'); process.stderr.write('err\\n'); process.exit(2)";

  test('the seed-style runner returns [output, status], stderr in the output by default', async () => {
    expect(await toolPipeAndStatus('node', [node, '-e', outAndErr])).toEqual(['out\nerr\n', 2]);
    expect(
      await toolPipeAndStatus('node', [node, '-e', 'process.stdout.write("x")'], {
        dropSuccessfulOutput: true,
      }),
    ).toEqual(['', 0]);
  });

  test('connectStderr: false passes stderr to the tool-output sink, not into the output', async () => {
    const passed: string[] = [];
    setToolOutputSink((text) => passed.push(text));
    try {
      const result = await toolPipeAndStatus('node', [node, '-e', outAndErr], {
        connectStderr: false,
      });
      expect(result).toEqual(['out\n', 2]);
      expect(passed).toEqual(['err\n']);
    } finally {
      setToolOutputSink(undefined);
    }
  });
});
