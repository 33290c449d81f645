import { AppendLog } from '../history/append-log.ts';
import type { Alert } from './alert.ts';
import { ecsDocument } from './ecs.ts';
import { oneByOne, type Output } from './lane.ts';

/** Every record as an ECS JSON line in BROAPT_ECS_LOG, for Filebeat or Elastic Agent to ship as it is. */
export async function ecsFileOutput(file: string): Promise<Output> {
  const log = await AppendLog.open(file);
  return {
    name: 'ecs-log',
    batch: 500,
    deliver: (items) => oneByOne(items, (item) => void log.append(JSON.stringify(ecsDocument(item as Alert)))),
    close: () => log.close(),
  };
}
