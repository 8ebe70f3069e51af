/** Number formatting for the interlay views (browser-safe). */
const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export const formatNumber = (n: number) => nf.format(n);

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** Microseconds as µs or ms, whichever reads better. */
export function formatMicros(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(us >= 10_000 ? 0 : 1)} ms` : `${Math.round(us)} µs`;
}

export function formatClock(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour12: false });
}
