/**
 * Preloaded (`node -r`) into a process a bench times: at exit, its CPU time (user + system) goes to
 * stderr as `medallion-bench-cpu-ms N`. On a shared machine wall times swing with the load; a
 * process's own CPU time much less.
 */
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  writeSync(2, `\nmedallion-bench-cpu-ms ${Math.round((user + system) / 1000)}\n`);
});
