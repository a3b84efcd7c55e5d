// The review library behind `promfleet diff`: read two rendered trees, compare them object by object, print the
// result for a terminal, a pull request or a program (the TreeDiff itself is plain JSON, secrets left out).
export { diffTrees, groupOf, isSecretsFile } from './compare';
export type { DiffOptions, DiffSummary, FieldChange, FieldStatus, GroupDiff, LineChange, ObjectDiff, ObjectStatus, TreeDiff } from './compare';
export { formatDiffMarkdown, formatDiffText, formatSummary } from './format';
export type { MarkdownOptions } from './format';
export { isManifestFile, MissingFolderError, readTreeFromDir, readTreeFromGit } from './tree';
export type { RenderedTree } from './tree';
