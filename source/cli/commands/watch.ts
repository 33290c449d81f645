import { watchFolder } from '../../pipeline/watch.ts';
import { UsageError } from '../../errors.ts';
import { parse, requireExisting, SETTING_HELP, SETTING_OPTIONS, settingsFrom } from '../options.ts';
import { runPass } from '../run-pass.ts';
import { REDIS_HELP, REDIS_OPTIONS, resolveRedisSettings } from '../../redis/settings.ts';

export const help = `Usage: broapt watch [options] [DUMP_PATH]

The app loop: analyse what the dump folder holds minus the history, then every
file that appears in it (written, moved in with mv, or in a new subfolder) once
it has stopped growing. Runs until SIGUSR1 (as the reference), SIGTERM or
SIGINT: then it takes no new file, lets running files finish, flushes the
history and exits 0 (failed files are in fail.log; a second signal kills the
running commands and exits 128+N at once). Exit 2 for a usage or api.yml error,
or when its logs cannot be written (read-only, disk full): it then stops as on a
signal, fails no file for it, and leaves the files not recorded for the next run.

With --redis URL (or BROAPT_REDIS_URL) it is an app worker of a cluster
deployment instead: it takes files from the deployment's Redis queue (fed by
\`broapt enqueue\` and by the workers' reconciler, which lists the dump folder
every BROAPT_REDIS_RECONCILE seconds [60]), records outcomes in Redis as well as
in its own logs, and answers identical files from the result cache. Start as
many workers, on as many machines sharing the dump folder, as the load needs.

Options:
  --settle-time SEC   BROAPT_SETTLE_TIME   a file is taken once untouched this long [0.5]
  --no-cache                               cluster: run the apps even for a file the
                                           result cache knows (results are still stored)
                      BROAPT_REDIS_RECLAIM cluster: seconds a file sits untouched before
                                           another worker takes it over       [60]
                      BROAPT_REDIS_RECONCILE
                                           cluster: seconds between listings of the dump folder [60]
                      BROAPT_CACHE_TTL     cluster: seconds a cached result is used; 0: no cache [86400]
                      BROAPT_REDIS_MAX_QUEUE, BROAPT_REDIS_RESULTS
                                           cluster: queue bound [100000], results kept [100000]

${REDIS_HELP}

${SETTING_HELP}
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse('watch', args, { ...SETTING_OPTIONS, ...REDIS_OPTIONS, 'settle-time': { type: 'string' }, 'no-cache': { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('give one DUMP_PATH at most; run `broapt watch --help`.');
  const settings = settingsFrom({ ...values, 'dump-path': positionals[0] ?? values['dump-path'] });
  requireExisting([settings.dumpPath], 'folder');
  const options = { logLevel: values['log-level'], settleMs: settings.settleTime * 1000, exitOnFailures: false };
  const cluster = resolveRedisSettings({ url: values.redis, prefix: values.prefix, noCache: values['no-cache'] });
  if (cluster) {
    // The worker's own connections ride out a Redis restart by retrying forever: a wrong URL, password or database must fail here, once.
    const { connectOnce } = await import('../../redis/connection.ts');
    (await connectOnce(cluster.url, cluster.prefix, 'broapt:check')).redis.disconnect();
    const { ClusterWorker } = await import('../../redis/worker.ts');
    const worker = new ClusterWorker(cluster);
    try {
      return await runPass(settings, { ...options, backend: worker.backend }, ({ session, passOptions, stopRequested }) => worker.run(session, passOptions, stopRequested));
    } finally {
      await worker.close();
    }
  }
  return runPass(settings, options, async ({ session, passOptions, stopRequested }) => {
    const watcher = await watchFolder(session, settings.dumpPath, passOptions);
    session.logger.info({ dumpPath: settings.dumpPath, history: session.history.size }, 'watching; send SIGUSR1, SIGTERM or SIGINT to stop');
    await stopRequested;
    await watcher.stop();
    return watcher.summary;
  });
}
