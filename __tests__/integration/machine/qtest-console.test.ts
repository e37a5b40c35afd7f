// qtest protocol and serial console against a real QEMU. This QEMU build has no qtest
// accelerator, but the -qtest chardev works under tcg: memory and I/O port access do, clock_step
// does not (it needs the qtest accelerator).

import { afterEach, describe, expect, test } from '@jest/globals';
import { QemuMachine, QemuMachineError, type QemuMachineOptions } from '../../../src/machine';
import { QEMU_BINARY, bareMachineOptions, sleep } from './helpers';

const machines: QemuMachine[] = [];

function machine(extra: Partial<QemuMachineOptions>): QemuMachine {
  const created = new QemuMachine({ binary: QEMU_BINARY, ...extra });
  machines.push(created);
  return created;
}

afterEach(async () => {
  await Promise.allSettled(machines.splice(0).map((m) => m.shutdown({ hardKill: true })));
});

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Spin: nothing else may run meanwhile.
  }
}

async function waitFor(check: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(10);
  }
}

describe('qtest', () => {
  test('reads and writes guest memory and I/O ports, skipping IRQ notifications', async () => {
    const vm = machine({ machineType: 'pc', qtest: true });
    await vm.launch();
    expect(await vm.qtest('writel 0x1000 0x12345678')).toBe('OK');
    expect(await vm.qtest('readl 0x1000')).toBe('OK 0x0000000012345678');
    expect(await vm.qtest('no_such_command')).toBe("FAIL Unknown command 'no_such_command'");
    // From here on QEMU sends 'IRQ raise/lower 0' lines as the PIT ticks (every ~55 ms).
    expect(await vm.qtest('irq_intercept_in ioapic')).toBe('OK');
    for (let i = 0; i < 3; i++) {
      // Keep the event loop busy so IRQ lines pile up unread; the reply lands behind them.
      blockEventLoop(150);
      expect(await vm.qtest(`writeb 0x2000 ${i}`)).toBe('OK');
      expect(await vm.qtest('readb 0x2000')).toBe(`OK 0x${i.toString(16).padStart(16, '0')}`);
    }
    await expect(vm.qtest('readl 0x0\nreadl 0x4')).rejects.toThrow(/single line/);
    await vm.shutdown();
    await expect(vm.qtest('readl 0x1000')).rejects.toThrow(/not launched/);
  });

  test('is refused with a clear error on a machine created without it', async () => {
    const vm = new QemuMachine(bareMachineOptions());
    await expect(vm.qtest('readl 0x0')).rejects.toThrow(QemuMachineError);
    await expect(vm.qtest('readl 0x0')).rejects.toThrow(/create it with \{ qtest: true \}/);
  });
});

describe('serial console', () => {
  test('captures what the guest writes to the serial port', async () => {
    const vm = machine({ machineType: 'pc', qtest: true, console: true });
    await vm.launch();
    expect(vm.commandLine()).toEqual(expect.arrayContaining(['-serial', 'chardev:console']));
    // The UART's transmit register at 0x3f8: each byte written goes out on the console.
    for (const char of 'hello') {
      await vm.qtest(`outb 0x3f8 0x${char.charCodeAt(0).toString(16)}`);
    }
    await waitFor(() => vm.consoleOutput().includes('hello'), 'console output');
    expect(vm.consoleSocket.writable).toBe(true);
    await vm.shutdown();
    expect(vm.consoleOutput()).toBe('hello');
  });

  test('consoleSocket is refused without { console: true }', () => {
    const vm = new QemuMachine(bareMachineOptions());
    expect(() => vm.consoleSocket).toThrow(/create it with \{ console: true \}/);
  });
});
