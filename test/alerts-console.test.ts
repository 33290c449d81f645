import { describe, expect, it } from 'vitest';
import { addSample, EICAR_API, EICAR_HASHES, fuidOf } from './helpers/alerts.ts';
import { startCli, useWorkspace, waitFor } from './helpers/workspace.ts';

const ws = useWorkspace();

describe('detections on the console', () => {
  it('watch prints one line per suspicious or malicious file as it is recorded, none for clean files', async () => {
    await ws().writeApi(EICAR_API);
    const run = startCli(['watch', '--settle-time', '0.1'], ws().env);
    const detections = () => run.stderr().split('\n').filter((line) => line.startsWith('detection: '));
    const eicarFile = await addSample(ws(), 1, true);
    await waitFor(() => detections().length === 1, 30_000, 'the line of the EICAR file while watch runs');
    expect(detections()[0]).toBe(`detection: MALICIOUS 100 ${eicarFile} fuid=${fuidOf(1)} sha256=${EICAR_HASHES.sha256} eicar_test_file`);
    await addSample(ws(), 2, false);
    const odd = await addSample(ws(), 3, 'suspicious');
    await waitFor(async () => (await ws().readLines('dump.log')).length === 3, 30_000, 'the other files');
    await waitFor(() => detections().length === 2, 30_000, 'the line of the suspicious file');
    expect(detections()[1]).toMatch(new RegExp(`^detection: SUSPICIOUS 50 ${odd} fuid=${fuidOf(3)} sha256=[0-9a-f]{64} odd_marker$`));
    run.child.kill('SIGTERM');
    expect((await run.done).code).toBe(0);
    expect(detections()).toHaveLength(2);
  }, 60_000);
});
