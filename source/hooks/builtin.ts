import { extractedFilesHook } from './extracted-files.ts';
import type { Hook } from './hook.ts';
import { httpConnectionsHook } from './http-connections.ts';

/** The hooks that always run, before any from the sites folder. */
export const BUILTIN_HOOKS: readonly Hook[] = [extractedFilesHook, httpConnectionsHook];
