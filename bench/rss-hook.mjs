// Preloaded into a benchmarked child process (`node --import bench/rss-hook.mjs …`): at exit,
// write its own resource usage (peak RSS in KiB, user and system CPU in µs) to the file named
// by KAL_USAGE_FILE, so bench/big.ts needs no outside tool to measure a child.
import { writeFileSync } from 'node:fs';

const file = process.env.KAL_USAGE_FILE;
if (file) process.on('exit', () => writeFileSync(file, JSON.stringify(process.resourceUsage())));
