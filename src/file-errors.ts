import { errnoCode, messageOf } from './error-message';

/** A file system error in the words an operator acts on, rather than an errno and a stack. */
export function describeFileError(error: unknown): string {
  const code = errnoCode(error);
  switch (code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a file is in the way where a directory should be';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOENT':
      return 'it does not exist and cannot be created there';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return messageOf(error);
  }
}
