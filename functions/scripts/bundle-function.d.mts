export function functionPackageJson(frameworkVersion: string): string;
export function bundleFunction(): Promise<{ code: string; legal: string; sha256: string }>;
