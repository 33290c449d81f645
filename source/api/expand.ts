/** `$NAME` (ASCII letters, digits, `_`) or `${ANYTHING}`: the forms Python's os.path.expandvars knows. */
const VARIABLE = /\$(\w+|\{[^}]*\})/g;

/**
 * Expand `$VAR` and `${VAR}` as Python's os.path.expandvars does, because the
 * reference BroAPT's api.yml files were written against it: unknown variables
 * stay as written, and substituted values are not expanded again.
 */
export function expandVars(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(VARIABLE, (whole, reference: string) => {
    const name = reference.startsWith('{') ? reference.slice(1, -1) : reference;
    // Own properties only: `$constructor` must not find Object.prototype's.
    return (Object.hasOwn(env, name) ? env[name] : undefined) ?? whole;
  });
}
