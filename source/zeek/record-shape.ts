import type { ZeekRecord, ZeekValue } from './values.ts';

export type RecordBuilder = (values: readonly ZeekValue[]) => ZeekRecord;

/**
 * Builds the records of one header block with an object literal naming every
 * field: one allocation with the final hidden class, where storing keys by a
 * name held in a variable sends each store through V8's megamorphic lookup.
 * Field names come from the log, which may be hostile, so they enter the code
 * only as JSON string literals; `__proto__` is written as a computed key,
 * which defines an own field instead of setting the prototype.
 */
export function recordBuilder(fields: readonly string[]): RecordBuilder {
  const properties = fields.map((name, i) => {
    const key = JSON.stringify(name);
    return `${name === '__proto__' ? `[${key}]` : key}: values[${i}]`;
  });
  return new Function('values', `'use strict';\nreturn { ${properties.join(', ')} };`) as RecordBuilder;
}
