/**
 * `npm run bench`: the speed and memory targets of the core pipeline, each
 * measured against a baseline taken in the same run on this machine.
 */
import os from 'node:os';
import { main as clamav } from './clamav.ts';
import { main as cluster } from './cluster.ts';
import { main as historyLoad } from './history-load.ts';
import { main as results } from './results.ts';
import { main as runners } from './runners.ts';
import { main as scanMemory } from './scan-memory.ts';
import { main as shippedApps } from './shipped-apps.ts';
import { main as throughput } from './throughput.ts';
import { main as watchLatency } from './watch-latency.ts';
import { main as yaraInProcess } from './yara-inprocess.ts';
import { main as yaraRules } from './yara-rules.ts';
import { main as zeekParse } from './zeek-parse.ts';

console.log(`broapt bench on ${os.cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString()}`);
await throughput();
await watchLatency();
console.log('\n(3) History: load time and memory of a 1,000,000-line dump.log');
await historyLoad();
console.log('\n(4) Zeek log reader: a generated conn.log of 200+ MB against wc -l and a split loop');
await zeekParse();
await runners();
await yaraRules();
await clamav();
await yaraInProcess();
await cluster();
await scanMemory();
await shippedApps();
await results();
