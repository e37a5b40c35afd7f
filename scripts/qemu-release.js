// Installs another QEMU release beside the system's (e.g. QEMU 10.0 from Debian's
// bookworm-backports) into a private prefix: `apt-get download` with a private apt state (the
// system's sources, lists and installed packages are never touched) and `dpkg -x`. The modules
// whose libraries this machine lacks are left out of the module directory the library points
// QEMU_MODULE_DIR at: QEMU aborts `-device help` on a module that cannot load.
// Plain CommonJS with no dependencies: setup.js runs it before anything is built.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const TABLE = require('../src/config/qemu-releases.json');

/** Where releases are installed (the library's src/config/release.ts reads the same rule). */
function releasesDir(env = process.env) {
  if (env.QEMU_RELEASES_DIR) return path.resolve(env.QEMU_RELEASES_DIR);
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, TABLE.cacheSubdir);
}

function knownReleases() {
  return Object.keys(TABLE.releases);
}

function readManifest(prefix) {
  try {
    return JSON.parse(fs.readFileSync(path.join(prefix, 'installed.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

function capture(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (res.error) throw new Error(`could not run ${cmd}: ${res.error.message}`);
  if (res.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${res.status}): ${res.stderr.trim()}`);
  }
  return res.stdout;
}

// A module is usable when the dynamic linker finds every library it needs.
function moduleLoads(file) {
  const res = spawnSync('ldd', [file], { encoding: 'utf8' });
  return res.status === 0 && !/not found/.test(res.stdout);
}

function linkUsableModules(root, moduleDir) {
  fs.mkdirSync(moduleDir, { recursive: true });
  const libDir = path.join(root, 'usr', 'lib');
  const skipped = [];
  for (const multiarch of fs.existsSync(libDir) ? fs.readdirSync(libDir) : []) {
    const dir = path.join(libDir, multiarch, 'qemu');
    if (!fs.existsSync(dir)) continue;
    for (const name of fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.so'))
      .sort()) {
      const file = path.join(dir, name);
      if (moduleLoads(file)) fs.symlinkSync(file, path.join(moduleDir, name));
      else skipped.push(name);
    }
  }
  return skipped;
}

/**
 * Installs `release` unless it is there already; returns its prefix. `binaries` are the program
 * names (from qemu-binaries.json) that must exist under usr/bin afterwards.
 */
function ensureRelease(release, { emulatorPackage, binaries, noInstall, note, say, env }) {
  const spec = TABLE.releases[release];
  if (spec === undefined) {
    throw new Error(
      `unknown QEMU release ${JSON.stringify(release)} (known: ${knownReleases().join(', ')})`,
    );
  }
  const prefix = path.join(releasesDir(env), release);
  const manifest = readManifest(prefix);
  const missing = (root) =>
    binaries.filter((name) => !fs.existsSync(path.join(root, 'usr', 'bin', name)));
  if (manifest !== undefined && missing(path.join(prefix, 'root')).length === 0) {
    note(`QEMU ${release}: installed (${manifest.debianVersion} in ${prefix})`);
    return prefix;
  }
  if (noInstall) {
    throw new Error(
      `QEMU ${release} is not installed in ${prefix}; run: npm run setup -- --qemu ${release}`,
    );
  }
  const packages = spec.packages.map((p) => p.replace('{emulatorPackage}', emulatorPackage));
  // Built beside its final place and renamed in whole: a half-done install is never picked up.
  fs.mkdirSync(path.dirname(prefix), { recursive: true });
  const work = fs.mkdtempSync(`${prefix}.partial-`);
  try {
    const apt = path.join(work, 'apt');
    for (const dir of ['lists/partial', 'cache/archives/partial']) {
      fs.mkdirSync(path.join(apt, dir), { recursive: true });
    }
    fs.writeFileSync(path.join(apt, 'sources.list'), `${spec.aptSource}\n`);
    const aptOptions = [
      '-o',
      `Dir::Etc::SourceList=${path.join(apt, 'sources.list')}`,
      '-o',
      'Dir::Etc::SourceParts=/dev/null',
      '-o',
      `Dir::State::Lists=${path.join(apt, 'lists')}`,
      '-o',
      `Dir::Cache=${path.join(apt, 'cache')}`,
      // The private directories belong to whoever runs this; apt's _apt user may not reach them.
      '-o',
      'APT::Sandbox::User=' + os.userInfo().username,
    ];
    say(`QEMU ${release}: downloading ${packages.join(' ')} (${spec.aptSource})`);
    capture('apt-get', [...aptOptions, '-qq', 'update']);
    const version = capture('apt-cache', [...aptOptions, 'show', '--no-all-versions', packages[0]])
      .split('\n')
      .find((line) => line.startsWith('Version: '))
      ?.slice('Version: '.length);
    if (version === undefined || !new RegExp(spec.versionPattern).test(version)) {
      throw new Error(
        `${spec.aptSource} offers ${packages[0]} ${version ?? '(none)'}, not QEMU ${release}`,
      );
    }
    const debs = path.join(work, 'debs');
    fs.mkdirSync(debs);
    capture(
      'apt-get',
      [...aptOptions, '-qq', 'download', ...packages.map((p) => `${p}=${version}`)],
      {
        cwd: debs,
      },
    );
    const root = path.join(work, 'root');
    for (const deb of fs.readdirSync(debs).filter((n) => n.endsWith('.deb'))) {
      capture('dpkg', ['-x', path.join(debs, deb), root]);
    }
    const absent = missing(root);
    if (absent.length > 0) throw new Error(`the packages hold no ${absent.join(', ')}`);
    // Symlinks point into the final prefix, so they are made after the rename below.
    fs.rmSync(apt, { recursive: true, force: true });
    fs.rmSync(debs, { recursive: true, force: true });
    fs.rmSync(prefix, { recursive: true, force: true });
    fs.renameSync(work, prefix);
  } catch (error) {
    fs.rmSync(work, { recursive: true, force: true });
    throw error;
  }
  const skipped = linkUsableModules(path.join(prefix, 'root'), path.join(prefix, 'modules'));
  const qemu = path.join(prefix, 'root', 'usr', 'bin', binaries[0]);
  const check = spawnSync(qemu, ['-M', 'none', '-device', 'help'], {
    encoding: 'utf8',
    env: { ...process.env, QEMU_MODULE_DIR: path.join(prefix, 'modules') },
  });
  if (check.status !== 0) {
    throw new Error(`${qemu} -M none -device help failed: ${check.stderr.trim()}`);
  }
  const versionLine = capture(qemu, ['--version']).split('\n')[0];
  const manifestOut = {
    release,
    debianVersion: versionLine.replace(/^.*\(Debian (.*)\)$/, '$1'),
    qemuVersion: versionLine,
    packages,
    skippedModules: skipped,
  };
  fs.writeFileSync(
    path.join(prefix, 'installed.json'),
    `${JSON.stringify(manifestOut, null, 2)}\n`,
  );
  say(
    `QEMU ${release}: installed in ${prefix} (${skipped.length} modules left out: missing libraries)`,
  );
  return prefix;
}

module.exports = { ensureRelease, releasesDir, knownReleases };
