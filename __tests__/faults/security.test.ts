// Security: what a run creates is private to the user (directories 0700, sockets unreachable by
// other users, even under umask 000), and the LUKS secret (IMGKEYSECRET) never appears in what a
// run prints or writes: output, header, failure messages and their QEMU debug info, Jest's JSON
// results, snapshots.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import type { JestRun } from './support/jest-child';
import {
  FIXTURES,
  buildDist,
  explicitDirs,
  removeSocketDirs,
  failureOf,
  runJest,
} from './support/jest-child';
import { entriesUnder, killAll, qemuProcessesUsing } from './support/leftovers';

let scratch: string;
const runs: JestRun[] = [];

beforeAll(() => {
  buildDist();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-security-'));
});

afterAll(() => {
  removeSocketDirs();
  for (const run of runs) killAll(qemuProcessesUsing([run.testDir, run.sockDir]));
  fs.rmSync(scratch, { recursive: true, force: true });
});

interface Entry {
  path: string;
  type: 'dir' | 'socket' | 'file' | 'other';
  mode: number;
  uid: number;
  asNobody?: string;
}

interface PrivacyReport {
  uid: number;
  runDirs: string[];
  fileDirs: string[];
  registry: string;
  entries: Entry[];
}

const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

describe('private directories and sockets (umask 000)', () => {
  let report: PrivacyReport;
  let run: JestRun;

  beforeAll(async () => {
    const reportFile = path.join(scratch, 'privacy.json');
    run = await runJest({
      testMatch: ['**/private-dirs.fixture.ts'],
      dirs: { kind: 'default', tmpDir: fs.mkdtempSync(path.join(scratch, 'tmp-')) },
      umask: '000',
      env: { FAULTS_REPORT: reportFile },
    });
    runs.push(run);
    if (run.status !== 0) throw new Error(`the fixture failed:\n${run.output}`);
    report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as PrivacyReport;
  }, 120_000);

  test('the umask really was 000: files the run does not chmod are world-writable', () => {
    const log = report.entries.find((e) => e.type === 'file' && e.path.endsWith('.log'));
    expect(log && octal(log.mode)).toBe('0666');
  });

  test('every directory the run created is 0700 and ours', () => {
    const dirs = report.entries.filter((e) => e.type === 'dir');
    // The run's TEST_DIR and SOCK_DIR, the file's own pair, QEMU's private dir, the registry.
    for (const expected of [...report.runDirs, ...report.fileDirs, report.registry]) {
      expect(dirs.map((d) => d.path)).toContain(expected);
    }
    expect(dirs.some((d) => /\/qemu-[\w]{6}$/.test(d.path))).toBe(true);
    const notPrivate = dirs.filter((d) => d.mode !== 0o700 || d.uid !== report.uid);
    expect(notPrivate.map((d) => `${octal(d.mode)} ${d.path}`)).toEqual([]);
  });

  test('every socket sits in a private directory; another user cannot connect', () => {
    const sockets = report.entries.filter((e) => e.type === 'socket');
    // The storage daemon's QMP socket and the NBD server's. QEMU's own sockets are gone already:
    // the listener removes them once QEMU has connected, so nobody else ever can.
    expect(sockets.map((s) => path.basename(s.path)).sort()).toEqual([
      expect.stringMatching(/^\d+-qsd-a\.sock$/),
      'nbd.sock',
    ]);
    for (const socket of sockets) {
      const parent = report.entries.find((e) => e.path === path.dirname(socket.path));
      expect({ socket: socket.path, parentMode: parent && octal(parent.mode) }).toEqual({
        socket: socket.path,
        parentMode: '0700',
      });
    }
    if (report.uid === 0) {
      // As root the test can try: `nobody` is stopped by the directory, whatever the socket's mode.
      expect(sockets.map((s) => s.asNobody)).toEqual(sockets.map(() => 'EACCES'));
    }
  });

  test('registry entries (they name QEMU command lines) are 0600', () => {
    const files = report.entries.filter(
      (e) => e.type === 'file' && e.path.startsWith(report.registry),
    );
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => f.mode !== 0o600).map((f) => f.path)).toEqual([]);
  });
});

describe('the LUKS secret', () => {
  // Distinctive, so that any occurrence is a leak and not a coincidence.
  const secret = `Sec${randomBytes(9).toString('hex')}`;
  let project: string;
  let run: JestRun;
  let snapshots: string;

  beforeAll(async () => {
    // A scratch project: the fixture writes a snapshot next to its package.json.
    project = fs.mkdtempSync(path.join(scratch, 'project-'));
    fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "luks", "private": true }\n');
    fs.mkdirSync(path.join(project, '__tests__', 'iotests'), { recursive: true });
    fs.copyFileSync(
      path.join(FIXTURES, 'secret-leak.fixture.ts'),
      path.join(project, '__tests__', 'iotests', 'secret-leak.test.ts'),
    );
    const dirs = explicitDirs(scratch);
    run = await runJest({
      rootDir: project,
      testMatch: ['**/__tests__/iotests/*.test.ts'],
      dirs,
      args: ['--ci=false'],
      env: { IMGFMT: 'luks', IMGKEYSECRET: secret },
    });
    runs.push(run);
    const snapshotDir = path.join(project, '__snapshots__');
    snapshots = (entriesUnder(snapshotDir) ?? [])
      .map((entry) => path.join(snapshotDir, entry))
      .filter((file) => fs.statSync(file).isFile())
      .map((file) => fs.readFileSync(file, 'utf8'))
      .join('\n');
  }, 120_000);

  test('the fixture went through every place it could leak', () => {
    expect(run.output).toContain('IMGFMT        -- luks'); // the header
    expect(snapshots).toContain(
      "Formatting 'TEST_DIR/PID-t.luks', fmt=luks size=1048576 key-secret=keysec0",
    );
    expect(failureOf(run, 'a failing qemu-img create of a LUKS image')).toMatch(
      /QemuToolError: Command '.*qemu-img create -f luks --object 'secret,id=keysec0,data=<redacted>' .* returned non-zero exit status 1/,
    );
    expect(failureOf(run, 'a VM with a LUKS drive that cannot launch')).toMatch(
      /QemuLaunchError: QEMU failed to launch[\s\S]*command: .*-object 'secret,id=keysec0,data=<redacted>'[\s\S]*Could not open/,
    );
    const dies = failureOf(run, 'a VM with a LUKS drive that dies under the test');
    expect(dies).toContain('QEMU was killed by signal SIGKILL');
    expect(dies).toMatch(/── QEMU (#\d+ )?qemu-dies-\d+ /);
    const file = run.results?.testResults[0];
    expect(file?.message).toMatch(/QEMU shut down abnormally: QEMU was killed by signal SIGKILL/);
  });

  test('appears nowhere: output, failure messages, JSON results, snapshots, scratch', () => {
    const places = {
      output: run.output,
      jsonResults: run.resultsText,
      snapshots,
      scratch: (entriesUnder(run.testDir) ?? []).join('\n'),
    };
    const leaks = Object.entries(places)
      .filter(([, text]) => text.includes(secret))
      .map(([place, text]) => {
        const at = text.indexOf(secret);
        return `${place}: …${text.slice(Math.max(0, at - 120), at + secret.length + 20)}…`;
      });
    expect(leaks).toEqual([]);
  });
});
