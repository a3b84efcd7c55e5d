// The documentation: a short README with the quick start and a fleet that works, links that lead
// somewhere, code blocks that say what they hold, and no prose written twice.
import * as fs from 'fs';
import * as path from 'path';
import { anchors, codeBlocks, docFiles, prose, readDoc } from './support/docs';
import { fleetFrom, render, ROOT, validateRendered } from './support/fleet';

describe('README.md', () => {
  const readme = readDoc('README.md');

  it('stays at most 12 KB', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12 * 1024);
  });

  it('starts with the two quick-start commands', () => {
    const quickStart = codeBlocks('README.md').find((b) => b.lang === 'sh');
    expect(quickStart?.text).toBe(
      [
        'npm ci && npm run synth      # install, then render the default fleet (fleet.yaml) into dist/ with promfleet synth',
        'npm ci && npm test           # install, then type-check and run every test',
        '',
      ].join('\n'),
    );
  });

  it('shows a minimal fleet that renders, and whose objects pass schema validation', () => {
    const [fleet] = codeBlocks('README.md').filter((b) => b.lang === 'yaml');
    const r = render(fleetFrom(fleet.text));
    expect(r.result.clusters.map((c) => c.cluster)).toEqual(['observer', 'workload-eu']);
    const report = validateRendered(r.outDir);
    expect(report.findings).toEqual([]);
  });
});

describe('every document', () => {
  const files = docFiles();

  it('includes the documents the README links to', () => {
    expect(files).toEqual(
      expect.arrayContaining(['docs/architecture.md', 'docs/fleet-reference.md', 'docs/operations.md', 'docs/output.md', 'docs/performance.md']),
    );
  });

  it('names the language of every fenced code block', () => {
    const bare = files.flatMap((f) => codeBlocks(f)).filter((b) => b.lang === '');
    expect(bare.map((b) => `${b.file}: ${b.text.split('\n')[0]}`)).toEqual([]);
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const [, target] of prose(readDoc(file))
        .replace(/`[^`\n]*`/g, '')
        .matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [rel, anchor] = target.split('#');
        const dest = rel ? path.normalize(path.join(path.dirname(file), rel)) : file;
        if (!fs.existsSync(path.join(ROOT, dest))) broken.push(`${file}: ${target} (no file ${dest})`);
        else if (anchor && dest.endsWith('.md') && !anchors(readDoc(dest)).has(anchor)) broken.push(`${file}: ${target} (no heading #${anchor} in ${dest})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('says each sentence in one place only', () => {
    // Sentences of prose and table cells, long enough to be more than a common phrase.
    const where = new Map<string, Set<string>>();
    for (const file of files) {
      const sentences = prose(readDoc(file))
        .replace(/\s+/g, ' ')
        .split(/(?<=[.!?:])\s+|\s*\|\s*/)
        .map((s) => s.trim())
        .filter((s) => s.length >= 60);
      for (const s of sentences) where.set(s, (where.get(s) ?? new Set()).add(file));
    }
    const repeated = [...where].filter(([, f]) => f.size > 1).map(([s, f]) => `${[...f].join(', ')}: ${s}`);
    expect(repeated).toEqual([]);
  });
});
