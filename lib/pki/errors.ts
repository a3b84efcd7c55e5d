// A problem with the PKI store: always names the file (or folder) and what would fix it.

export class PkiError extends Error {
  constructor(
    /** The file or folder at fault. */
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'PkiError';
  }
}
