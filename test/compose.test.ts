/**
 * The compose file's shape (scripts/compose-smoke.sh builds and runs it for
 * real with podman, `npm run test:compose`). It parses; every build context, Dockerfile, target and COPY
 * source it names exists; every volume a service mounts is declared; every
 * service has a healthcheck, the app service can be scaled; and each BROAPT_*
 * variable the services set is one the code reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/workspace.ts';

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] | string };
  container_name?: string;
  ports?: string[];
  profiles?: string[];
  network_mode?: string;
  cap_add?: string[];
  cap_drop?: string[];
}

const compose = parse(fs.readFileSync(path.join(REPO, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = Object.entries(compose.services);

/** Every BROAPT_* name the code, the apps and the entrypoints mention. */
function namesTheCodeReads(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(file);
      else if (entry.isFile() && file.endsWith('.ts')) for (const [name] of fs.readFileSync(file, 'utf8').matchAll(/\bBROAPT_[A-Z0-9_]+/g)) names.add(name);
    }
  };
  for (const dir of ['source', 'cluster', 'bundled', 'apps']) walk(path.join(REPO, dir));
  return names;
}

describe('docker-compose.yml', () => {
  it('has the cluster layout, and live capture only under its profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'capture', 'core', 'daemon', 'redis']);
    expect(services.filter(([, service]) => service.profiles === undefined).map(([name]) => name).sort()).toEqual(['app', 'core', 'daemon', 'redis']);
    expect(compose.services.capture!.profiles).toEqual(['capture']);
  });

  it('gives the capture the host network and the two capabilities dumpcap needs, nothing more', () => {
    const capture = compose.services.capture!;
    expect(capture.network_mode).toBe('host');
    expect(capture.cap_drop).toEqual(['ALL']);
    expect([...capture.cap_add!].sort()).toEqual(['NET_ADMIN', 'NET_RAW']);
  });

  it('checks the core and the workers themselves, not only that Redis answers', () => {
    expect(compose.services.core!.healthcheck!.test).toEqual(['CMD', 'broapt', 'status', '--alive', 'core']);
    expect(compose.services.app!.healthcheck!.test).toBe('broapt status --alive worker');
  });

  it.each(services.filter(([, service]) => service.build))('%s: its build context, Dockerfile, target and COPY sources exist', (_name, service) => {
    const context = path.resolve(REPO, service.build!.context);
    expect(fs.statSync(context).isDirectory()).toBe(true);
    const dockerfile = path.resolve(context, service.build!.dockerfile ?? 'Dockerfile');
    const text = fs.readFileSync(dockerfile, 'utf8');
    if (service.build!.target) expect(text).toMatch(new RegExp(`^FROM \\S+ AS ${service.build!.target}$`, 'm'));
    for (const [, sources] of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of sources!.split(' ')) expect(fs.existsSync(path.join(context, source)), `COPY ${source}`).toBe(true);
    }
  });

  it.each(services)('%s: mounts only declared volumes and has a healthcheck', (_name, service) => {
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0]!;
      if (source.startsWith('.') || source.startsWith('/')) expect(fs.existsSync(path.resolve(REPO, source)), volume).toBe(true);
      else expect(Object.keys(compose.volumes), volume).toContain(source);
    }
    expect(service.healthcheck?.test.length).toBeGreaterThan(0);
  });

  it('lets the app service scale: no fixed container name or published port', () => {
    expect(compose.services.app!.container_name).toBeUndefined();
    expect(compose.services.app!.ports).toBeUndefined();
  });

  it('sets only BROAPT_* variables the code reads', () => {
    const known = namesTheCodeReads();
    const set = services.flatMap(([name, service]) => Object.keys(service.environment ?? {}).map((variable) => [name, variable] as const));
    expect(set.length).toBeGreaterThan(10);
    const unknown = set.filter(([, variable]) => variable.startsWith('BROAPT_') && !known.has(variable));
    expect(unknown).toEqual([]);
    // And the Dockerfile's ENV defaults.
    const dockerfile = fs.readFileSync(path.join(REPO, 'docker', 'Dockerfile'), 'utf8');
    for (const [name] of dockerfile.matchAll(/\bBROAPT_[A-Z0-9_]+/g)) expect(known.has(name), name).toBe(true);
  });
});
