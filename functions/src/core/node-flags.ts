/**
 * A pattern for V8 flags by name (`max-semi-space-size`): V8 reads `-` and `_` in a name alike, and
 * a name ends at the end of its argument, a space or `=`, so a longer flag is not taken for it.
 */
export function nodeFlagPattern(names: readonly string[]): RegExp {
  return new RegExp(`--(?:${names.map((name) => name.replaceAll('-', '[-_]')).join('|')})(?=$|[\\s=])`);
}

/** Whether a Node or V8 flag matching `flag` was given to this process: on the `node` command line (`execArgv`) or in `NODE_OPTIONS`. */
export function nodeFlagGiven(flag: RegExp, execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return execArgv.some((arg) => flag.test(arg)) || flag.test(nodeOptions ?? '');
}
