// Formatting for display.

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function fmtMoney(cents: number, currency = 'usd'): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);
  } catch {
    return (cents / 100).toFixed(2) + ' ' + currency.toUpperCase();
  }
}

export function fmtUsd(v: number): string {
  return '$' + v.toFixed(v < 10 ? 2 : 0);
}

export function fmtPercent(v: number | null | undefined): string {
  if (v === null || v === undefined || isNaN(v)) return '–';
  return Math.round(v * 100) + '%';
}

export function fmtBytes(n: number): string {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(n < 10240 ? 1 : 0) + ' KiB';
  return (n / 1024 / 1024).toFixed(1) + ' MiB';
}
