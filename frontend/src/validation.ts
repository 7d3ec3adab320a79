/**
 * Client-side checks mirror the API's rules so most mistakes are caught before a
 * round trip; the server stays authoritative and its error.details are mapped
 * back onto the same fields (see mapServerDetails).
 */
import type { Customer, ErrorDetail, OrderItemRequest } from './api';

export type FieldErrors = Record<string, string>;

export const EMAIL_MAX = 254;
export const NAME_MAX = 100;
const EMAIL_RE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function normaliseCustomer(input: Customer): Customer {
  return { email: input.email.trim(), name: input.name.trim().replace(/\s+/g, ' ') };
}

export function validateCustomer(input: Customer): FieldErrors {
  const c = normaliseCustomer(input);
  const errors: FieldErrors = {};
  if (!c.email) errors['customer.email'] = 'Enter your email address.';
  else if (c.email.length > EMAIL_MAX) errors['customer.email'] = `Email must be at most ${EMAIL_MAX} characters.`;
  else if (!EMAIL_RE.test(c.email)) errors['customer.email'] = 'Enter an email address like name@example.com.';
  if (!c.name) errors['customer.name'] = 'Enter the name for the tickets.';
  else if (c.name.length > NAME_MAX) errors['customer.name'] = `Name must be at most ${NAME_MAX} characters.`;
  return errors;
}

export function validateItems(items: readonly OrderItemRequest[]): FieldErrors {
  if (items.length === 0) return { items: 'Your cart is empty. Add at least one ticket.' };
  return {};
}

export interface MappedDetails {
  /** Messages keyed by a field the form shows. */
  fieldErrors: FieldErrors;
  /** Messages that belong to no visible field: shown in the form's error summary. */
  general: string[];
}

/**
 * Map the API's `error.details` onto form fields. `knownFields` are the field
 * paths the form renders (e.g. `customer.email`); item errors such as
 * `items[0].quantity` are reported against `items`.
 */
export function mapServerDetails(details: readonly ErrorDetail[], knownFields: readonly string[]): MappedDetails {
  const fieldErrors: FieldErrors = {};
  const general: string[] = [];
  for (const d of details) {
    const field = normaliseField(d.field);
    const target = knownFields.includes(field) ? field : field.startsWith('items') && knownFields.includes('items') ? 'items' : null;
    if (target && !(target in fieldErrors)) fieldErrors[target] = d.message;
    else if (target) fieldErrors[target] = `${fieldErrors[target]} ${d.message}`;
    else general.push(d.message);
  }
  return { fieldErrors, general };
}

/** Accept `customer.email`, `body.customer.email`, `/customer/email`, `customer[email]`. */
export function normaliseField(field: string): string {
  return field
    .trim()
    .replace(/^\/+/, '')
    .replace(/\//g, '.')
    .replace(/\[(\D[^\]]*)\]/g, '.$1')
    .replace(/^body\./, '');
}
