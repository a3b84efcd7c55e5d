import * as path from 'path';

/**
 * The cluster a rendered file is applied to: the folder holding it (dist/<cluster>/, its secrets/ folder,
 * dist/_app-monitors/<cluster>/). The Applications under dist/_argocd/ go to the cluster Argo CD runs on,
 * which the tree does not name: they are reported under `_argocd`.
 */
export function clusterOf(file: string): string {
  const parts = path.resolve(file).split(path.sep);
  if (parts.includes('_argocd')) return '_argocd';
  const dir = parts[parts.length - 2] ?? '';
  return dir === 'secrets' ? (parts[parts.length - 3] ?? dir) : dir;
}
