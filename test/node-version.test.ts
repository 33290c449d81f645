import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it('runs on the Node 24 the project pins through its `node` devDependency', () => {
    expect(process.version).toMatch(/^v24\./);
    expect(process.features.typescript).toBeTruthy();
  });
});
