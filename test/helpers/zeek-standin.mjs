#!/usr/bin/env node
// A stand-in for the zeek binary, for machines without Zeek: it replays a
// recording of real Zeek output instead of reading the PCAP. Invoked as
// broapt invokes zeek: `zeek [-b] [-C] -r PCAP SCRIPTS broapt-config.zeek`,
// in the PCAP's log folder. The recording is ZEEK_STANDIN_RECORDINGS/<pcap
// basename without extension>/: its *.log files are copied into the current
// folder byte for byte, and its extract_files/ tree into the FileExtract::prefix
// that broapt's config script sets, as Zeek's extract analyzer would write it.
// Plain JavaScript so it runs on any Node on PATH.
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const pcap = args[args.indexOf('-r') + 1];
const config = args.find((arg) => arg.endsWith('broapt-config.zeek'));
writeFileSync('standin-args.json', JSON.stringify(args));
if (pcap === undefined || config === undefined) {
  process.stderr.write('usage: zeek [-b] [-C] -r PCAP SCRIPTS broapt-config.zeek\n');
  process.exit(1);
}
const recording = path.join(process.env.ZEEK_STANDIN_RECORDINGS ?? '', path.basename(pcap).replace(/\.[^.]*$/, ''));
if (!existsSync(recording)) {
  process.stderr.write(`fatal error: problem with trace file ${pcap} (no recording at ${recording})\n`);
  process.exit(1);
}
const prefix = /redef FileExtract::prefix = "([^"]*)";/.exec(readFileSync(config, 'utf8'))?.[1];
for (const name of readdirSync(recording)) {
  if (name.endsWith('.log')) cpSync(path.join(recording, name), name);
}
const extracted = path.join(recording, 'extract_files');
if (prefix !== undefined && existsSync(extracted)) cpSync(extracted, prefix, { recursive: true });
