// Reading the documentation: its files, their fenced code blocks and their headings.
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './fleet';

/** Every Markdown file of the documentation, relative to the repository root. */
export function docFiles(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', ...docs];
}

export function readDoc(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

export interface CodeBlock {
  file: string;
  /** The word after the opening fence; '' when there is none. */
  lang: string;
  /** The content, with the fence's indentation removed. */
  text: string;
}

/** The fenced code blocks of a Markdown text, including those indented inside list items. */
export function codeBlocks(file: string, text = readDoc(file)): CodeBlock[] {
  return [...text.matchAll(/^( *)```(\S*)[^\n]*\n([\s\S]*?)^\1```/gm)].map((m) => ({
    file,
    lang: m[2],
    text: m[3]
      .split('\n')
      .map((l) => l.slice(Math.min(m[1].length, l.length - l.trimStart().length)))
      .join('\n'),
  }));
}

/** The text outside fenced code blocks. */
export function prose(text: string): string {
  return text.replace(/^( *)```[\s\S]*?^\1```/gm, '');
}

/** The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces as "-". */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of every heading of a Markdown text (a repeated heading gets -1, -2, ... as on GitHub). */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}
