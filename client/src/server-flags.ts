/**
 * The node flags the language server runs with: VS Code's client forks dist/lsp-server.js with
 * them (extension.ts), and bench/core-bench.ts times the warm load (the server's reload) under
 * exactly these. They live here, importing nothing, because the client may import only its own
 * files (eslint.config.mjs); the bench imports this file too.
 *
 * V8 reads the semi-space sizes only at start (`v8.setFlagsFromString` later has no effect), so
 * they must be on the command line. A load allocates ~35 KB per model, mostly short-lived, and
 * keeps ~3%: V8's default young generation (16 MB semi-spaces) scavenges ~21 times per load at 10k
 * models and ~220 times at 100k, each copying what is still alive. 64 MB semi-spaces scavenge a
 * quarter as often; 16 MB as the floor keeps an idle server from shrinking them back to 1 MB
 * before the next reload. The cost is up to ~100 MB more resident memory.
 */
export const LANGUAGE_SERVER_NODE_FLAGS: readonly string[] = Object.freeze(['--min-semi-space-size=16', '--max-semi-space-size=64']);
