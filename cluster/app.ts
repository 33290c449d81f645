/**
 * Cluster app service: the BroAPT-App loop (`broapt watch`) on the shared dump
 * folder, configured by BROAPT_* variables as the reference's container was.
 * With BROAPT_REDIS_URL set it is an app worker of the deployment's Redis
 * queue: start as many as the load needs, on as many machines as share the
 * dump folder (README, Cluster mode).
 */
import { main } from '../source/cli/main.ts';

process.exit(await main(['watch', ...process.argv.slice(2)]));
