/** Money helpers: amounts are integers in the currency's minor unit (as the API sends them). */

function fractionDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function formatMoney(amountMinor: number, currency: string, locale?: string): string {
  const code = currency.toUpperCase();
  const digits = fractionDigits(code);
  const value = amountMinor / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: code }).format(value);
  } catch {
    return `${value.toFixed(digits)} ${code}`;
  }
}
