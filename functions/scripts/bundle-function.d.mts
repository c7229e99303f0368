export function functionPackageJson(frameworkVersion: string): string;
export function bundleFunction(): Promise<{ code: string; legal: string; sha256: string }>;
export const FUNCTION_RUNTIME_FILES: readonly { name: string; from: string }[];
export function bundleEntry(entry: string): Promise<{ code: string; legal: string; sha256: string }>;
export const FUNCTION_NODE_OPTIONS: string;
export const FUNCTION_GLIBC_TUNABLES: string;
export const FUNCTION_ENVIRONMENT: Readonly<{ NODE_OPTIONS: string; GLIBC_TUNABLES: string }>;
