// Test-only protocol bridge: lets the UNMODIFIED `@databricks/sql` driver talk to Apache Spark's Thrift
// server (HiveServer2 protocol, HTTP transport) as if it were a Databricks SQL warehouse.
//
//   driver --HTTPS, Bearer token--> bridge (this file) --HTTP, Basic auth--> Spark ThriftHttpServlet
//
// Nothing here belongs in product code: the product must use the driver exactly as users will (token auth,
// TLS, Databricks protocol). Each rewrite below says which difference between Databricks and Apache Spark
// it papers over. Every other request and response is passed through byte for byte.
//
// Messages are decoded and re-encoded with the driver's own generated TCLIService types, so the bridge
// speaks exactly the Databricks dialect of the protocol the driver was built against.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const driverDir = path.resolve(path.dirname(require.resolve('@databricks/sql')), '..');
// The same `thrift` runtime and generated code the driver itself loads.
const thrift = require(require.resolve('thrift', { paths: [driverDir] }));
const T = require(path.join(driverDir, 'thrift', 'TCLIService_types.js'));

const { MessageType } = thrift.Thrift;

/** Decode one TBinaryProtocol message header; the returned protocol is positioned at the struct. */
function readMessage(buf) {
  const transport = new thrift.TBufferedTransport();
  transport.inBuf = buf;
  transport.readCursor = 0;
  transport.writeCursor = buf.length;
  const protocol = new thrift.TBinaryProtocol(transport);
  const { fname, mtype, rseqid } = protocol.readMessageBegin();
  return { name: fname, type: mtype, seqid: rseqid, protocol };
}

function writeMessage({ name, type, seqid }, struct) {
  let out;
  const transport = new thrift.TBufferedTransport(undefined, (buf) => {
    out = buf;
  });
  const protocol = new thrift.TBinaryProtocol(transport);
  protocol.writeMessageBegin(name, type, seqid);
  struct.write(protocol);
  protocol.writeMessageEnd();
  protocol.flush();
  return out;
}

// The generated service module keeps its *_args / *_result wrappers private, so they are written out here:
// a call's args are `struct { 1: <Req> req }`, its result `struct { 0: <Resp> success }`.
const ARGS_FIELD = 1;
const RESULT_FIELD = 0;

function readWrapped(msg, fieldId, Struct) {
  const p = msg.protocol;
  let value = null;
  p.readStructBegin();
  for (;;) {
    const { ftype, fid } = p.readFieldBegin();
    if (ftype === thrift.Thrift.Type.STOP) break;
    if (fid === fieldId && ftype === thrift.Thrift.Type.STRUCT) {
      value = new Struct();
      value.read(p);
    } else {
      p.skip(ftype);
    }
    p.readFieldEnd();
  }
  p.readStructEnd();
  return value;
}

function writeWrapped(msg, fieldId, value) {
  return writeMessage(msg, {
    write(p) {
      p.writeStructBegin('wrapper');
      if (value) {
        p.writeFieldBegin(fieldId === ARGS_FIELD ? 'req' : 'success', thrift.Thrift.Type.STRUCT, fieldId);
        value.write(p);
        p.writeFieldEnd();
      }
      p.writeFieldStop();
      p.writeStructEnd();
    },
  });
}

/** `a`.`b` — quoted so any schema name survives Spark's `use <name>`. */
function quoteParts(parts) {
  return parts.map((p) => '`' + String(p).replace(/`/g, '``') + '`').join('.');
}

/** A SQL string literal under Spark's default (backslash-escaping) string-literal rules. */
function sqlString(text) {
  return "'" + String(text).replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/**
 * One driver TSparkParameter (a type name and the value as a string) as the typed SQL literal that
 * EXECUTE IMMEDIATE ... USING accepts (it takes literals only, not CAST expressions). A value that does
 * not look like its type is passed as a string literal, so the server reports the mismatch.
 */
function parameterLiteral(p) {
  if (!p.type || !p.value) return 'NULL';
  const v = p.value;
  const text = v.stringValue ?? v.doubleValue ?? v.booleanValue;
  if (text === null || text === undefined) return 'NULL';
  const t = String(text);
  switch (p.type) {
    case 'VOID':
      return 'NULL';
    case 'BOOLEAN':
      return /^(true|false)$/i.test(t) ? t.toUpperCase() : sqlString(t);
    case 'TINYINT':
      return INTEGER.test(t) ? `${t}Y` : sqlString(t);
    case 'SMALLINT':
      return INTEGER.test(t) ? `${t}S` : sqlString(t);
    case 'INT':
    case 'INTEGER':
      return INTEGER.test(t) ? t : sqlString(t);
    case 'BIGINT':
      return INTEGER.test(t) ? `${t}L` : sqlString(t);
    case 'FLOAT':
      return NUMBER.test(t) ? `${t}F` : sqlString(t);
    case 'DOUBLE':
      return NUMBER.test(t) ? `${t}D` : sqlString(t);
    case 'DECIMAL':
      return NUMBER.test(t) ? `${t}BD` : sqlString(t);
    case 'DATE':
    case 'TIMESTAMP':
    case 'TIMESTAMP_NTZ':
    case 'TIMESTAMP_LTZ':
      return `${p.type === 'TIMESTAMP_LTZ' ? 'TIMESTAMP' : p.type} ${sqlString(t)}`;
    case 'INTERVAL MONTH':
    case 'INTERVAL DAY':
      return `INTERVAL ${sqlString(t)} ${p.type.slice('INTERVAL '.length)}`;
    default:
      return sqlString(t);
  }
}

// ---- request rewrites (driver -> Spark) ----

const requestRewrites = {
  // Databricks clients send client_protocol = -7 (an enum value Apache never defined) and the real version in
  // the Databricks-only client_protocol_i64. Hive's Java decoder maps -7 to null and rejects the request
  // ("Required field 'client_protocol' was not present!"), so ask for HIVE_CLI_SERVICE_PROTOCOL_V10, the
  // newest Hive version the driver's types name (Spark 4.0.1 would accept up to V11 and answers the lower).
  // The Databricks-only fields are cleared (Spark would skip them anyway); initialNamespace is honoured the
  // way Spark can: its session manager runs `use <use:database>` when a session opens.
  OpenSession(msg) {
    const req = readWrapped(msg, ARGS_FIELD, T.TOpenSessionReq);
    req.client_protocol = T.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10;
    const ns = req.initialNamespace;
    if (ns && (ns.catalogName || ns.schemaName)) {
      req.configuration = { ...(req.configuration || {}) };
      req.configuration['use:database'] = quoteParts([ns.catalogName, ns.schemaName].filter(Boolean));
    }
    req.client_protocol_i64 = null;
    req.initialNamespace = null;
    req.canUseMultipleCatalogs = null;
    return writeWrapped(msg, ARGS_FIELD, req);
  },

  // Because the bridge reports a Databricks protocol version (see OpenSession below), the driver sends
  // named/ordinal parameters in the Databricks-only `parameters` field, which Spark's server would drop.
  // Spark 4 binds parameters itself in EXECUTE IMMEDIATE ... USING, so the statement is wrapped in one:
  // the values are still bound by the server (typed, never spliced into the SQL text).
  ExecuteStatement(msg) {
    const req = readWrapped(msg, ARGS_FIELD, T.TExecuteStatementReq);
    const params = req.parameters || [];
    if (params.length === 0) return null; // unchanged bytes
    const named = params.some((p) => p.name);
    const using = params
      .map((p) => (named ? `${parameterLiteral(p)} AS ${quoteParts([p.name])}` : parameterLiteral(p)))
      .join(', ');
    req.statement = `EXECUTE IMMEDIATE ${sqlString(req.statement)} USING ${using}`;
    req.parameters = null;
    return writeWrapped(msg, ARGS_FIELD, req);
  },
};

// ---- response rewrites (Spark -> driver) ----

const responseRewrites = {
  // Spark answers HIVE_CLI_SERVICE_PROTOCOL_V10 (what was asked for). With that the driver turns off
  // everything Databricks-specific, including query parameters (it would silently not send them). Report
  // a Databricks protocol version (SPARK_CLI_SERVICE_PROTOCOL_V8, the one the driver asks for), so the driver
  // takes the same code paths as against Databricks; the Databricks-only
  // request fields this enables (Arrow, LZ4, cloud fetch, direct results) are ignored by Spark, and the
  // driver copes with their absence in the responses (column-based results, polling for status).
  OpenSession(msg) {
    const resp = readWrapped(msg, RESULT_FIELD, T.TOpenSessionResp);
    if (resp) resp.serverProtocolVersion = T.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8;
    return writeWrapped(msg, RESULT_FIELD, resp);
  },

  // Databricks puts the clean error text ("[TABLE_OR_VIEW_NOT_FOUND] The table or view `x` cannot be found.
  // ... SQLSTATE: 42P01; line 1 pos 14") in the Databricks-only `displayMessage`, and the driver makes it the
  // OperationStateError's message; without it the message is only "The operation failed due to an error".
  // Spark sends just `errorMessage`: the same text wrapped in "HiveSQLException: Error running query:
  // [CLASS] <java exception class>: " and followed by a Java stack trace (Databricks' errorMessage has
  // that shape too). The display text is that errorMessage without the wrapper and the stack.
  GetOperationStatus(msg, stats) {
    const resp = readWrapped(msg, RESULT_FIELD, T.TGetOperationStatusResp);
    // Counted for tests that must act while a statement is running on Spark (cancel).
    if (resp && resp.operationState === T.TOperationState.RUNNING_STATE) stats.runningStatusReports++;
    if (resp && resp.errorMessage && !resp.displayMessage) {
      resp.displayMessage = displayMessage(resp.errorMessage);
    }
    return writeWrapped(msg, RESULT_FIELD, resp);
  },

  GetResultSetMetadata(msg) {
    const resp = readWrapped(msg, RESULT_FIELD, T.TGetResultSetMetadataResp);
    if (!resp) return writeWrapped(msg, RESULT_FIELD, resp);
    // `resultFormat` is Databricks-only and required by the driver ("Unsupported result format: undefined"
    // otherwise). Apache servers only ever send column-based row sets.
    if (resp.resultFormat === null || resp.resultFormat === undefined) {
      resp.resultFormat = T.TSparkRowSetType.COLUMN_BASED_SET;
    }
    // Column positions are 1-based in Hive and Databricks (the driver reads `columns[position - 1]`), but
    // Spark's Thrift server numbers them from 0: without this every value lands under the next column's
    // name and the first column is lost.
    const cols = resp.schema?.columns || [];
    if (cols.length > 0 && Math.min(...cols.map((c) => c.position)) === 0) {
      for (const c of cols) c.position += 1;
    }
    return writeWrapped(msg, RESULT_FIELD, resp);
  },
};

export function displayMessage(errorMessage) {
  let text = errorMessage.split(/\n\s+at |\n\tat /)[0];
  text = text.replace(/^org\.apache\.hive\.service\.cli\.HiveSQLException: (Error running query: )?/, '');
  text = text.replace(/^(\[[A-Z0-9_.]+\] )[\w.$]+(?:Exception|Error):\s*(?=\[)/, '');
  // An AnalysisException's message ends with the unresolved plan after "line N pos M;".
  text = text.replace(/(line \d+ pos \d+);\n[\s\S]*$/, '$1');
  return text.trim();
}

function readBody(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Databricks answers a bad token with 403 and a missing one with 401, with a JSON body and reason header. */
function refuse(res, status, message) {
  const body = JSON.stringify({ error_code: status, message });
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'X-Databricks-Reason-Phrase': message,
  });
  res.end(body);
}

/**
 * Start the bridge.
 * @param {object} o
 * @param {number} o.upstreamPort  Spark's hive.server2.thrift.http.port (HTTP transport)
 * @param {string} [o.upstreamHost='127.0.0.1']
 * @param {string} [o.upstreamPath='/cliservice']
 * @param {string} o.token         the only Bearer token accepted
 * @param {string} o.certFile      PEM server certificate (self-signed)
 * @param {string} o.keyFile       PEM private key
 * @param {string} [o.path='/sql/1.0/warehouses/medallion-test']  HTTP path the driver connects to
 * @param {string} [o.user='medallion'] user name passed on to Spark (Basic auth; Spark's NONE auth needs a
 *                                      user and a non-empty password)
 * @param {string} [o.logFile]     one line per request (method, status, ms)
 * @returns {Promise<{host, port, path, requests: Array, stop(): Promise<void>}>}
 */
export async function startBridge(o) {
  const upstreamHost = o.upstreamHost || '127.0.0.1';
  const upstreamPath = o.upstreamPath || '/cliservice';
  const httpPath = o.path || '/sql/1.0/warehouses/medallion-test';
  const basic = 'Basic ' + Buffer.from(`${o.user || 'medallion'}:not-checked-by-spark`).toString('base64');
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const log = o.logFile ? fs.createWriteStream(o.logFile, { flags: 'a' }) : null;
  // Requests that were not Thrift calls on the warehouse path (e.g. the driver's feature-flag / telemetry
  // endpoints), so tests can assert that none were made.
  const requests = [];
  // GET <path>/status (same token): what tests wait on instead of sleeping.
  const stats = { runningStatusReports: 0 };

  const server = https.createServer({ cert: fs.readFileSync(o.certFile), key: fs.readFileSync(o.keyFile) }, (req, res) => {
    const started = Date.now();
    const url = new URL(req.url, 'https://bridge');
    const auth = req.headers.authorization || '';
    if (req.method === 'GET' && url.pathname === `${httpPath}/status` && auth === `Bearer ${o.token}`) {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify(stats));
    }
    if (req.method !== 'POST' || url.pathname !== httpPath) {
      requests.push({ method: req.method, path: url.pathname, at: new Date().toISOString() });
      log?.write(`${new Date().toISOString()} ${req.method} ${url.pathname} -> 404\n`);
      req.resume();
      return refuse(res, 404, `No such endpoint: ${req.method} ${url.pathname}`);
    }
    if (!auth.startsWith('Bearer ')) {
      req.resume();
      return refuse(res, 401, 'Credential was not sent or was of an unsupported type for this API.');
    }
    if (auth.slice('Bearer '.length) !== o.token) {
      req.resume();
      return refuse(res, 403, 'Invalid access token.');
    }
    readBody(req)
      .then((body) => {
        let name = '?';
        let forwardBody = body;
        try {
          const msg = readMessage(body);
          name = msg.name;
          const rewrite = requestRewrites[name];
          const rewritten = rewrite ? rewrite(msg) : null;
          if (rewritten) forwardBody = rewritten;
        } catch (e) {
          log?.write(`${new Date().toISOString()} could not decode request: ${e.message}\n`);
        }
        const up = http.request(
          {
            agent,
            host: upstreamHost,
            port: o.upstreamPort,
            path: upstreamPath,
            method: 'POST',
            headers: {
              'Content-Type': 'application/x-thrift',
              Accept: 'application/x-thrift',
              'Content-Length': forwardBody.length,
              Authorization: basic,
            },
          },
          (upRes) => {
            const done = () => log?.write(`${new Date().toISOString()} ${name} -> ${upRes.statusCode} ${Date.now() - started}ms\n`);
            const rewrite = responseRewrites[name];
            if (upRes.statusCode !== 200 || !rewrite) {
              // Streamed through unchanged.
              res.writeHead(upRes.statusCode, { 'Content-Type': upRes.headers['content-type'] || 'application/x-thrift' });
              upRes.pipe(res);
              upRes.on('end', done);
              return;
            }
            readBody(upRes)
              .then((respBody) => {
                let out = respBody;
                try {
                  const msg = readMessage(respBody);
                  if (msg.type === MessageType.REPLY) out = rewrite(msg, stats);
                } catch (e) {
                  log?.write(`${new Date().toISOString()} could not decode ${name} response: ${e.message}\n`);
                }
                res.writeHead(200, { 'Content-Type': 'application/x-thrift', 'Content-Length': out.length });
                res.end(out);
                done();
              })
              .catch((e) => res.destroy(e));
          },
        );
        up.on('error', (e) => {
          log?.write(`${new Date().toISOString()} ${name} upstream error: ${e.message}\n`);
          if (!res.headersSent) refuse(res, 502, `Spark Thrift server unreachable: ${e.message}`);
          else res.destroy(e);
        });
        up.end(forwardBody);
      })
      .catch((e) => res.destroy(e));
  });

  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port || 0, '127.0.0.1', resolve);
  });

  return {
    host: '127.0.0.1',
    port: server.address().port,
    path: httpPath,
    requests,
    async stop() {
      await new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      agent.destroy();
      if (log) await new Promise((resolve) => log.end(resolve));
    },
  };
}
