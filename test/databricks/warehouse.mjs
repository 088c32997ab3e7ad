#!/usr/bin/env node
// A local stand-in for a Databricks SQL warehouse, for tests: Apache Spark's Thrift server (HiveServer2
// protocol over HTTP) with Delta Lake, behind bridge.mjs (HTTPS, Bearer token, Databricks protocol
// dialect), so the unmodified `@databricks/sql` driver connects to it as to Databricks.
//
//   import { startWarehouse } from './test/databricks/warehouse.mjs';
//   const wh = await startWarehouse();
//   // wh.connectOptions → client.connect(...); wh.env → env of child processes (NODE_EXTRA_CA_CERTS)
//   await wh.stop();
//
// CLI: node test/databricks/warehouse.mjs install | start | check
//
// Installs what it needs on first use, into <repo>/.cache (never committed): pyspark from PyPI into
// .cache/spark-venv (it carries Spark's jars, the Thrift server and the bin/ scripts), Delta Lake's jars
// from Maven Central into .cache/spark-jars (test/databricks/pom.xml). Needs Java 17+, python3, mvn, openssl.
import { spawn, spawnSync, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startBridge } from './bridge.mjs';

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/**
 * Pinned versions. Delta 4.0.1 is built against Spark 4.0.1 (its pom's provided spark-* deps), Scala 2.13;
 * pyspark 4.0.1 from PyPI bundles spark-hive-thriftserver_2.13-4.0.1.jar. Spark 4 needs Java 17+.
 * Databricks SQL warehouses today run Spark 4.0-based runtimes with ANSI mode on, as Spark 4.0 does.
 */
export const VERSIONS = Object.freeze({ spark: '4.0.1', pyspark: '4.0.1', delta: '4.0.1', scala: '2.13' });

// Client-compiler-only JIT and the serial GC: on 2 cores the server JIT's and G1's threads compete with
// start-up and with the small queries of tests (measured: start ~8-10 s instead of ~15 s).
const DEFAULT_JAVA_OPTIONS = '-XX:+UseSerialGC -XX:TieredStopAtLevel=1';

const THRIFT_SERVER_CLASS = 'org.apache.spark.sql.hive.thriftserver.HiveThriftServer2';

function defaultCacheDir() {
  return process.env.MEDALLION_SPARK_CACHE || path.join(repoRoot, '.cache');
}

function logger(quiet) {
  return quiet ? () => {} : (msg) => process.stderr.write(`[warehouse] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${out.slice(-4000)}`));
    });
  });
}

/** Serialises installs between processes (parallel test files starting at once). */
async function withLock(lockDir, fn) {
  const deadline = Date.now() + 20 * 60 * 1000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const age = Date.now() - fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs;
      if (age > 20 * 60 * 1000) fs.rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for install lock ${lockDir}`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function javaMajor() {
  // `java -version` prints to stderr.
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error) return 0;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr}${r.stdout}`);
  if (!m) return 0;
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

function findPysparkDir(venv) {
  const lib = path.join(venv, 'lib');
  if (!fs.existsSync(lib)) return null;
  for (const py of fs.readdirSync(lib)) {
    const dir = path.join(lib, py, 'site-packages', 'pyspark');
    if (fs.existsSync(path.join(dir, 'jars'))) return dir;
  }
  return null;
}

/**
 * Install (once, cached) pyspark and the Delta jars. Returns { sparkHome, deltaJars, installed, ms }.
 * `installed` says whether anything was fetched this time.
 */
export async function ensureInstalled({ cacheDir = defaultCacheDir(), quiet = false } = {}) {
  const log = logger(quiet);
  const started = Date.now();
  const java = javaMajor();
  if (java < 17) {
    throw new Error(`Spark ${VERSIONS.spark} needs Java 17 or newer on PATH (found ${java || 'none'}); on Debian: apt-get install -y openjdk-17-jre-headless`);
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const venv = path.join(cacheDir, 'spark-venv');
  const marker = path.join(venv, `.medallion-pyspark-${VERSIONS.pyspark}`);
  const jarsDir = path.join(cacheDir, 'spark-jars');
  const deltaJars = [`delta-spark_${VERSIONS.scala}-${VERSIONS.delta}.jar`, `delta-storage-${VERSIONS.delta}.jar`].map((j) => path.join(jarsDir, j));
  let installed = false;

  const ready = () => fs.existsSync(marker) && findPysparkDir(venv) && deltaJars.every((j) => fs.existsSync(j));
  if (!ready()) {
    await withLock(path.join(cacheDir, 'spark-install.lock'), async () => {
      if (!fs.existsSync(marker) || !findPysparkDir(venv)) {
        installed = true;
        const python = process.env.PYTHON || 'python3';
        log(`installing pyspark==${VERSIONS.pyspark} into ${venv} (about 430 MB from PyPI) ...`);
        fs.rmSync(venv, { recursive: true, force: true });
        await run(python, ['-m', 'venv', venv]);
        await run(path.join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--no-input', '-q', `pyspark==${VERSIONS.pyspark}`]);
        const dir = findPysparkDir(venv);
        const thriftJar = `spark-hive-thriftserver_${VERSIONS.scala}-${VERSIONS.spark}.jar`;
        if (!dir || !fs.existsSync(path.join(dir, 'jars', thriftJar))) {
          throw new Error(`pyspark ${VERSIONS.pyspark} installed without ${thriftJar}; the Thrift server cannot run`);
        }
        fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
      }
      if (!deltaJars.every((j) => fs.existsSync(j))) {
        installed = true;
        log(`fetching Delta ${VERSIONS.delta} jars with Maven into ${jarsDir} ...`);
        await run('mvn', [
          '-B', '-q', '-f', path.join(here, 'pom.xml'),
          'dependency:copy-dependencies', '-DincludeScope=runtime',
          `-DoutputDirectory=${jarsDir}`, `-Ddelta.version=${VERSIONS.delta}`, `-Dscala.binary.version=${VERSIONS.scala}`,
        ]);
        for (const j of deltaJars) if (!fs.existsSync(j)) throw new Error(`Maven did not produce ${j}`);
      }
    });
  }
  const sparkHome = findPysparkDir(venv);
  const ms = Date.now() - started;
  if (installed) log(`installed in ${(ms / 1000).toFixed(1)} s`);
  return { sparkHome, deltaJars, installed, ms, cacheDir };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs spark-submit (which execs the JVM, keeping its pid) and ends it if this Node process dies without
// calling stop() (killed, crashed): the JVM is in its own process group and would otherwise live on. Then
// also removes $REMOVE_ON_ORPHAN (the temp dir) if set. Exits with Spark's exit status.
const WATCHDOG = `
"$@" </dev/null &
pid=$!
parent=$PPID
(
  while kill -0 "$parent" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
  if ! kill -0 "$parent" 2>/dev/null; then
    kill -TERM "$pid"; sleep 5; kill -KILL "$pid"
    if [ -n "$REMOVE_ON_ORPHAN" ]; then rm -rf "$REMOVE_ON_ORPHAN"; fi
  fi
) 2>/dev/null &
wait "$pid"
`;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const LOG4J2 = `# Written by test/databricks/warehouse.mjs: quiet, except what says whether the server came up.
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1}: %m%n%ex
logger.thrift.name = org.apache.spark.sql.hive.thriftserver.HiveThriftServer2
logger.thrift.level = info
logger.hive.name = org.apache.hive.service
logger.hive.level = info
# Noise on every start with a fresh Derby metastore.
logger.metastore.name = org.apache.hadoop.hive.metastore
logger.metastore.level = error
logger.ql.name = org.apache.hadoop.hive.ql
logger.ql.level = error
logger.nativeio.name = org.apache.hadoop.util.NativeCodeLoader
logger.nativeio.level = error
`;

/**
 * Start a local warehouse.
 * @param {object} [options]
 * @param {string} [options.token]        the Bearer token to accept (random by default)
 * @param {string} [options.dataDir]      keep the warehouse and metastore here (persists across starts; not
 *                                        deleted by stop()); default: inside the temp dir, gone on stop()
 * @param {boolean} [options.keepTemp]    leave the temp dir (logs, cert) after stop()
 * @param {string} [options.cacheDir]     install cache (default <repo>/.cache, or $MEDALLION_SPARK_CACHE)
 * @param {string} [options.driverMemory] Spark driver heap (default '1g')
 * @param {string} [options.javaOptions]  driver JVM flags (default: C1-only JIT, serial GC)
 * @param {number} [options.timeoutMs]    start timeout (default 180 s)
 * @param {string} [options.path]         HTTP path (default /sql/1.0/warehouses/medallion-test)
 * @param {boolean} [options.quiet]       no progress lines on stderr
 * @param {boolean} [options.handleSignals] stop on SIGINT/SIGTERM too (default true); always on exit
 * @param {Record<string,string>} [options.sparkConf] extra --conf entries
 * @returns {Promise<{host, port, path, token, caFile, env, connectOptions, dir, logFile, bridgeLogFile,
 *   sparkPort, requests, timings, stop(): Promise<void>}>}
 */
export async function startWarehouse(options = {}) {
  const log = logger(options.quiet);
  const t0 = Date.now();
  const install = await ensureInstalled({ cacheDir: options.cacheDir, quiet: options.quiet });
  const tInstalled = Date.now();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-warehouse-'));
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : path.join(dir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dir, 'spark.log');
  const bridgeLogFile = path.join(dir, 'bridge.log');
  const token = options.token || `dapi-test-${crypto.randomBytes(16).toString('hex')}`;
  let child = null;
  let bridge = null;
  let stopped = false;

  // Spark runs in its own process group (see WATCHDOG): signal the group, not just the direct child.
  const groupAlive = () => {
    if (!child) return false;
    try {
      process.kill(-child.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const onExit = () => {
    if (groupAlive()) signalGroup('SIGKILL');
    if (!options.keepTemp) fs.rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (sig) => {
    onExit();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', onExit);
  if (options.handleSignals !== false) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  async function stop(keepTemp = options.keepTemp) {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (bridge) await bridge.stop().catch(() => {});
    if (groupAlive()) {
      signalGroup('SIGTERM'); // the JVM runs Spark's shutdown hooks
      for (const deadline = Date.now() + 5000; groupAlive() && Date.now() < deadline; ) await sleep(100);
      if (groupAlive()) signalGroup('SIGKILL');
      for (const deadline = Date.now() + 5000; groupAlive() && Date.now() < deadline; ) await sleep(50);
    }
    if (!keepTemp) fs.rmSync(dir, { recursive: true, force: true });
  }

  try {
    // TLS: a self-signed certificate for 127.0.0.1/localhost; the client trusts it via `customCaCert`
    // (connect option) or NODE_EXTRA_CA_CERTS (env of a child process).
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    await execFileP('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '7', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);

    // Static, so the JVM class path stays the same from run to run (see the class-data archive below).
    const confDir = path.join(install.cacheDir, 'spark-conf');
    fs.mkdirSync(confDir, { recursive: true });
    const log4j = path.join(confDir, 'log4j2.properties');
    if (!fs.existsSync(log4j) || fs.readFileSync(log4j, 'utf8') !== LOG4J2) fs.writeFileSync(log4j, LOG4J2);
    for (const d of ['local', 'scratch', 'tmp']) fs.mkdirSync(path.join(dir, d));

    const sparkPort = await freePort();
    const classPath = install.deltaJars.join(':');
    const conf = {
      'spark.master': 'local[2]',
      'spark.app.name': 'medallion-test-warehouse',
      'spark.driver.memory': options.driverMemory || '1g',
      // Delta on the driver's own class path, not --jars: the Thrift server resolves the session catalog on
      // Jetty threads (e.g. OpenSession with use:database, metadata calls), whose context class loader does
      // not see --jars ("Cannot find catalog plugin class for catalog 'spark_catalog'").
      'spark.driver.extraClassPath': classPath,
      'spark.sql.extensions': 'io.delta.sql.DeltaSparkSessionExtension',
      'spark.sql.catalog.spark_catalog': 'org.apache.spark.sql.delta.catalog.DeltaCatalog',
      // Databricks creates Delta tables when USING is omitted; Spark would create Parquet ones.
      'spark.sql.sources.default': 'delta',
      'spark.sql.warehouse.dir': path.join(dataDir, 'warehouse'),
      'spark.hadoop.javax.jdo.option.ConnectionURL': `jdbc:derby:;databaseName=${path.join(dataDir, 'metastore_db')};create=true`,
      'spark.driver.extraJavaOptions': `-Dderby.system.home=${dir} -Djava.io.tmpdir=${path.join(dir, 'tmp')} ${options.javaOptions ?? DEFAULT_JAVA_OPTIONS}`,
      'spark.local.dir': path.join(dir, 'local'),
      'spark.driver.host': '127.0.0.1',
      'spark.driver.bindAddress': '127.0.0.1',
      'spark.ui.enabled': 'false',
      'spark.sql.shuffle.partitions': '2',
      'spark.default.parallelism': '2',
      // Delta reconstructs table state with 50 partitions by default: slow for tiny test tables.
      'spark.databricks.delta.snapshotPartitions': '2',
      // CancelOperation interrupts the running Spark job (operation.cancel() must stop work on the server).
      'spark.sql.thriftServer.interruptOnCancel': 'true',
      ...(options.sparkConf || {}),
    };
    const hiveConf = {
      'hive.server2.transport.mode': 'http',
      'hive.server2.thrift.http.port': String(sparkPort),
      'hive.server2.thrift.bind.host': '127.0.0.1',
      'hive.server2.thrift.http.path': 'cliservice',
      'hive.server2.authentication': 'NONE',
      'hive.server2.thrift.http.cookie.auth.enabled': 'false',
      'hive.server2.enable.doAs': 'false',
      'hive.server2.logging.operation.enabled': 'false',
      'hive.exec.scratchdir': path.join(dir, 'scratch'),
      'hive.exec.local.scratchdir': path.join(dir, 'scratch'),
      // hive.downloaded.resources.dir keeps its per-session default (java.io.tmpdir/<session id>_resources):
      // Hive deletes that folder when a session closes and makes it when one opens, so a shared folder
      // (it was the scratch root) made one session's close delete the scratch root while another
      // opened ("Couldn't create directory .../scratch", a flaky CI failure).
    };
    const args = ['--class', THRIFT_SERVER_CLASS];
    for (const [k, v] of Object.entries(conf)) args.push('--conf', `${k}=${v}`);
    args.push('spark-internal');
    for (const [k, v] of Object.entries(hiveConf)) args.push('--hiveconf', `${k}=${v}`);

    const out = fs.openSync(logFile, 'a');
    child = spawn('sh', ['-c', WATCHDOG, 'sh', path.join(install.sparkHome, 'bin', 'spark-submit'), ...args], {
      detached: true, // own process group, so stop() can end the JVM that spark-submit execs, and the watchdog
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        SPARK_HOME: install.sparkHome,
        SPARK_CONF_DIR: confDir,
        SPARK_LOCAL_IP: '127.0.0.1',
        SPARK_LOCAL_HOSTNAME: 'localhost',
        REMOVE_ON_ORPHAN: options.keepTemp ? '' : dir,
      },
    });
    fs.closeSync(out);
    child.unref();
    log(`starting Spark Thrift server on 127.0.0.1:${sparkPort} (log: ${logFile}) ...`);

    const timeoutMs = options.timeoutMs ?? 180_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`Spark Thrift server exited (${child.exitCode ?? child.signalCode}) before it was ready. Log ${logFile}:\n${tail(logFile)}`);
      }
      if (await canConnect(sparkPort)) break;
      if (Date.now() > deadline) {
        throw new Error(`Spark Thrift server not ready after ${timeoutMs / 1000} s. Log ${logFile}:\n${tail(logFile)}`);
      }
      await sleep(200);
    }
    const tSpark = Date.now();

    bridge = await startBridge({ upstreamPort: sparkPort, token, certFile, keyFile, path: options.path, logFile: bridgeLogFile });
    const timings = { installMs: tInstalled - t0, sparkStartMs: tSpark - tInstalled, totalMs: Date.now() - t0 };
    log(`ready in ${(timings.totalMs / 1000).toFixed(1)} s: https://${bridge.host}:${bridge.port}${bridge.path}`);

    const caPem = fs.readFileSync(certFile, 'utf8');
    return {
      host: bridge.host,
      port: bridge.port,
      path: bridge.path,
      token,
      caFile: certFile,
      // For child processes that use the driver (e.g. the language server under test): Node reads
      // NODE_EXTRA_CA_CERTS at start-up only, so it cannot be set from inside a running process.
      env: { NODE_EXTRA_CA_CERTS: certFile, DATABRICKS_TELEMETRY_DISABLED: '1' },
      // For a driver in this process: client.connect(wh.connectOptions).
      connectOptions: { host: bridge.host, port: bridge.port, path: bridge.path, token, customCaCert: caPem, telemetryEnabled: false },
      dir,
      dataDir,
      logFile,
      bridgeLogFile,
      sparkPort,
      sparkPid: child.pid,
      requests: bridge.requests,
      timings,
      versions: VERSIONS,
      stop,
    };
  } catch (e) {
    await stop(true); // keep the log for the message below
    e.message += `\n(warehouse temp dir kept: ${dir})`;
    throw e;
  }
}

async function main(cmd) {
  if (cmd === 'install') {
    const r = await ensureInstalled();
    console.log(JSON.stringify({ ...r, versions: VERSIONS }, null, 2));
    return 0;
  }
  if (cmd === 'start') {
    // MEDALLION_WAREHOUSE_DATA: a directory that keeps tables and metastore between starts.
    const wh = await startWarehouse({ token: process.env.MEDALLION_WAREHOUSE_TOKEN, dataDir: process.env.MEDALLION_WAREHOUSE_DATA, handleSignals: false });
    const { stop, requests, connectOptions, ...info } = wh;
    console.log(JSON.stringify(info, null, 2));
    console.log(`\nexport NODE_EXTRA_CA_CERTS=${wh.caFile}\n# Ctrl-C to stop`);
    await new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stop(); // gracefully: Spark's shutdown hooks run, so a kept data dir is left clean
    return 0;
  }
  if (cmd === 'check') {
    const { check } = await import('./check.mjs');
    return check();
  }
  console.error('usage: node test/databricks/warehouse.mjs install | start | check');
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2]).then(
    (code) => process.exit(code ?? 0),
    (e) => {
      console.error(e.stack || e.message);
      process.exit(1);
    },
  );
}
