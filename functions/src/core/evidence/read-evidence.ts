/**
 * Reads evidence summaries (local files or state-bucket objects) for `learn`: each is small and
 * bounded, so it is read whole, validated, and handed on per target. A file that is not a valid
 * summary is a file problem (named, counted), never a crash and never silently skipped.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Storage } from '@google-cloud/storage';
import { downloadObject } from '../gcs/download.js';
import type { ProblemLog } from '../read/scan.js';
import { parseEvidence, type EvidenceSummary } from './summary.js';

/** An evidence summary is kilobytes; anything this large is not one. */
export const MAX_EVIDENCE_BYTES = 16 * 1024 * 1024;

export interface EvidenceRead {
  /** Summaries read (audited batches). */
  summaries: number;
  /** Lines those batches read, in all. */
  lines: number;
  /** Dead-letter or otherwise empty summaries. */
  empty: number;
}

export function emptyEvidenceRead(): EvidenceRead {
  return { summaries: 0, lines: 0, empty: 0 };
}

function take(label: string, text: string, read: EvidenceRead, problems: ProblemLog, onSummary: (summary: EvidenceSummary) => void): void {
  const parsed = parseEvidence(text);
  if (!parsed.ok) {
    problems.add({ category: 'file', file: label, message: parsed.problem });
    return;
  }
  if (parsed.evidence.outcome !== 'audited') {
    read.empty++;
    return;
  }
  read.summaries++;
  read.lines += parsed.evidence.lines;
  onSummary(parsed.evidence);
}

export async function readEvidenceFiles(files: readonly string[], problems: ProblemLog, onSummary: (summary: EvidenceSummary) => void, read = emptyEvidenceRead()): Promise<EvidenceRead> {
  for (const file of files) {
    const size = (await stat(file)).size;
    if (size > MAX_EVIDENCE_BYTES) {
      problems.add({ category: 'file', file, message: `is ${size} bytes: larger than any evidence summary (${MAX_EVIDENCE_BYTES})` });
      continue;
    }
    take(file, await readFile(file, 'utf8'), read, problems, onSummary);
  }
  return read;
}

export async function readEvidenceObjects(
  storage: Storage,
  objects: readonly { bucket: string; name: string; generation: string; size: number }[],
  problems: ProblemLog,
  onSummary: (summary: EvidenceSummary) => void,
  read = emptyEvidenceRead(),
  parallel = 8,
): Promise<EvidenceRead> {
  let next = 0;
  const texts = new Array<string | undefined>(objects.length);
  // Downloaded a few at a time; taken in name order so the result does not depend on timing.
  const worker = async () => {
    while (next < objects.length) {
      const i = next++;
      const object = objects[i]!;
      const label = `gs://${object.bucket}/${object.name}`;
      if (object.size > MAX_EVIDENCE_BYTES) {
        problems.add({ category: 'file', file: label, message: `is ${object.size} bytes: larger than any evidence summary (${MAX_EVIDENCE_BYTES})` });
        continue;
      }
      try {
        texts[i] = (await downloadObject(storage, object)).toString('utf8');
      } catch (error) {
        problems.add({ category: 'file', file: label, message: `could not be read: ${(error as Error).message.split('\n')[0]}` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, objects.length)) }, worker));
  objects.forEach((object, i) => {
    const text = texts[i];
    if (text !== undefined) take(`gs://${object.bucket}/${object.name}`, text, read, problems, onSummary);
  });
  return read;
}
