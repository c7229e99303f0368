/** Where a command writes: injected so tests run commands in-process. */
export interface CommandIo {
  out: (text: string) => void;
  err: (line: string) => void;
  /** Whether to show progress lines on stderr. */
  progress: boolean;
  /** Environment (for SLACK_WEBHOOK_URL); injected so tests control it. */
  env?: NodeJS.ProcessEnv;
}
