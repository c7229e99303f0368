/**
 * The Slack digest as plain text, for a terminal (`log-audit audit --format digest`, `npm start`):
 * the same message the function posts, read without Slack. Only our own markup is undone — bold and
 * italic markers, the severity emoji, link syntax (shown as `[label]`), Slack's `&lt;` escapes —
 * and never inside a code span, where log values are. The caller still guards the terminal.
 */
import type { SlackBlock, SlackMessage } from './slack-digest.js';

const EMOJI: Record<string, string> = { ':red_circle:': '●', ':large_orange_circle:': '●', ':white_circle:': '○', ':warning:': '!' };

function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** One mrkdwn text as plain text. */
export function mrkdwnToText(text: string): string {
  return text
    .split(/(`[^`\n]*`)/)
    .map((part, i) => {
      if (i % 2 === 1) return unescape(part);
      const plain = part
        .replace(/<[^|>\s]+\|([^>]*)>/g, '[$1]')
        .replace(/:(red_circle|large_orange_circle|white_circle|warning):/g, (mark) => EMOJI[mark] ?? mark)
        .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s.,:;)])/g, '$1$2')
        .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s.,:;)])/g, '$1$2');
      return unescape(plain);
    })
    .join('');
}

function blockText(block: SlackBlock): string | undefined {
  switch (block.type) {
    case 'header':
      return (block as { text?: { text?: string } }).text?.text;
    case 'section':
      return mrkdwnToText((block as { text?: { text?: string } }).text?.text ?? '');
    case 'context':
      return ((block as { elements?: { text?: string }[] }).elements ?? []).map((e) => mrkdwnToText(e.text ?? '')).join(' ');
    case 'divider':
      return '';
    default:
      return undefined;
  }
}

export function digestToText(message: SlackMessage): string {
  const out: string[] = [];
  for (const block of message.blocks) {
    const text = blockText(block);
    if (text === undefined) continue;
    if (block.type === 'header') out.push(text, '='.repeat(Math.min(72, [...text].length)));
    else out.push(text);
  }
  return `${out.join('\n')}\n`;
}
