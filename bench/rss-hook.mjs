// Preloaded into a benchmarked child process (`node --import bench/rss-hook.mjs …`): at exit,
// write its own resource usage (peak RSS in KiB, user and system CPU in µs) to the file named
// by KAL_USAGE_FILE, so bench/big.ts needs no outside tool to measure a child. `run` executes
// in a second Node (bin/keepalive-lab.mjs, for its young-generation size) that inherits this
// hook and exits first: the outer process then adds its own CPU and keeps the larger peak.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const file = process.env.KAL_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const own = process.resourceUsage();
    if (existsSync(file)) {
      const inner = JSON.parse(readFileSync(file, 'utf8'));
      own.maxRSS = Math.max(own.maxRSS, inner.maxRSS);
      own.userCPUTime += inner.userCPUTime;
      own.systemCPUTime += inner.systemCPUTime;
    }
    writeFileSync(file, JSON.stringify(own));
  });
}
