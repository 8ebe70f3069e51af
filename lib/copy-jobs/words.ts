/** Numbers in the history and in errors, as people read them: 472,120 rather than 472120. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
