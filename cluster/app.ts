/**
 * Cluster app service: the BroAPT-App loop (`broapt watch`) on the shared dump
 * folder, configured by BROAPT_* variables as the reference's container was.
 */
import { main } from '../source/cli/main.ts';

process.exit(await main(['watch', ...process.argv.slice(2)]));
