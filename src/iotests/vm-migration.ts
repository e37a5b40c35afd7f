// The seed's VM.enable_migration_events and VM.wait_migration.
import { filters } from './filters';
import { log } from './transcript';
import type { VM } from './vm';

/** What migration helpers need from a VM. */
export type MigrationHost = Pick<VM, 'qmp' | 'eventWait'> & {
  /** The VM's event limit in ms (also bounds the post-migration runstate poll). */
  readonly timeouts: { readonly eventMs: number };
};

/** Log and turn on the 'events' migration capability of the VM called `name` in the transcript. */
export async function enableMigrationEvents(vm: MigrationHost, name: string): Promise<void> {
  log(`Enabling migration QMP events on ${name}...`);
  log(
    await vm.qmp('migrate-set-capabilities', {
      capabilities: [{ capability: 'events', state: true }],
    }),
  );
}

/**
 * Log MIGRATION events until the migration completed or failed. On completion, wait until the
 * VM reaches `expectRunstate` (null: do not wait) and resolve true; on failure resolve false.
 */
export async function waitMigration(
  vm: MigrationHost,
  expectRunstate: string | null,
): Promise<boolean> {
  let status: unknown;
  do {
    const event = await vm.eventWait('MIGRATION');
    log(event, { filters: [(msg: object) => filters.qmpEvent(msg)] });
    status = event.data.status;
  } while (status !== 'completed' && status !== 'failed');

  if (status !== 'completed') {
    return false;
  }
  // The event may come while QEMU is still in finish-migrate: poll for the expected runstate.
  if (expectRunstate !== null) {
    await waitForRunstate(vm, expectRunstate);
  }
  return true;
}

async function waitForRunstate(vm: MigrationHost, expected: string): Promise<void> {
  const deadline = Date.now() + vm.timeouts.eventMs;
  let runstate: unknown;
  for (;;) {
    const reply = await vm.qmp('query-status');
    runstate = 'return' in reply ? reply.return.status : undefined;
    if (runstate === expected) {
      return;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `after migration the VM stayed in runstate ${JSON.stringify(runstate)} for ` +
          `${vm.timeouts.eventMs} ms, expected ${JSON.stringify(expected)} ` +
          '(raise IOTESTS_EVENT_TIMEOUT if it is just slow)',
      );
    }
  }
}
