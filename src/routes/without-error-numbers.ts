/**
 * A stored reason in a person's words: Last.fm's error numbers stay in the stored reason (logs and
 * JSON read it) and leave what a page shows. "Last.fm is having trouble (error 11); …" becomes
 * "Last.fm is having trouble; …", and "(error 6: Invalid parameters)" becomes ": Invalid parameters".
 */
export function withoutErrorNumbers(reason: string): string {
  return reason.replace(/ \(error \d+: ([^)]*)\)/g, ': $1').replace(/ \(error \d+\)/g, '');
}
