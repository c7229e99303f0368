/** Whether a Node or V8 flag matching `flag` was given to this process: on the `node` command line (`execArgv`) or in `NODE_OPTIONS`. */
export function nodeFlagGiven(flag: RegExp, execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return execArgv.some((arg) => flag.test(arg)) || flag.test(nodeOptions ?? '');
}
