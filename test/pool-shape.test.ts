import { describe, expect, it } from 'vitest';
import { MAX_LANES, poolShape } from '../source/pool/pool.ts';

describe('poolShape', () => {
  it('uses the fewest threads that share the jobs evenly, at most MAX_LANES each', () => {
    expect(MAX_LANES).toBe(4);
    expect(poolShape(1)).toEqual({ threads: 1, lanes: 1 });
    expect(poolShape(2)).toEqual({ threads: 1, lanes: 2 });
    expect(poolShape(4)).toEqual({ threads: 1, lanes: 4 });
    expect(poolShape(6)).toEqual({ threads: 2, lanes: 3 });
    expect(poolShape(8)).toEqual({ threads: 2, lanes: 4 });
    expect(poolShape(12)).toEqual({ threads: 3, lanes: 4 });
  });

  it('gives a prime number of jobs above MAX_LANES a thread each, so no thread runs more than its share', () => {
    expect(poolShape(5)).toEqual({ threads: 5, lanes: 1 });
    expect(poolShape(7)).toEqual({ threads: 7, lanes: 1 });
  });
});
