/** Small shared view pieces. */
import { h, uid } from './dom';
import { ApiError, NetworkError } from './api';

export function describeError(error: unknown): string {
  if (error instanceof ApiError || error instanceof NetworkError) return error.message;
  return 'Something went wrong. Please try again.';
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  if (error instanceof ApiError) return error.retryable || error.code === 'BAD_RESPONSE';
  return true;
}

/** An alert with an optional retry button. */
export function errorPanel(title: string, error: unknown, onRetry?: () => void): HTMLElement {
  return h(
    'div',
    { class: 'notice notice--error', role: 'alert' },
    h('p', { class: 'notice__title' }, title),
    h('p', {}, describeError(error)),
    onRetry && isRetryable(error) ? h('button', { type: 'button', class: 'button button--secondary', onclick: onRetry }, 'Try again') : null,
  );
}

export interface Field {
  wrapper: HTMLElement;
  input: HTMLInputElement;
  setError(message: string | undefined): void;
}

export function textField(opts: {
  name: string;
  label: string;
  type: string;
  autocomplete: string;
  hint?: string;
  maxLength?: number;
}): Field {
  const id = uid(`f-${opts.name.replace(/\W/g, '-')}`);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const input = h('input', {
    id,
    name: opts.name,
    type: opts.type,
    autocomplete: opts.autocomplete,
    required: true,
    'aria-required': 'true',
    maxlength: opts.maxLength,
    spellcheck: opts.type === 'email' ? 'false' : undefined,
    'aria-describedby': opts.hint ? hintId : undefined,
  });
  const error = h('p', { id: errorId, class: 'field__error', hidden: true });
  const wrapper = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, opts.label),
    opts.hint ? h('p', { id: hintId, class: 'field__hint' }, opts.hint) : null,
    error,
    input,
  );
  return {
    wrapper,
    input,
    setError(message) {
      if (message) {
        error.textContent = message;
        error.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', [opts.hint ? hintId : '', errorId].filter(Boolean).join(' '));
        wrapper.classList.add('field--invalid');
      } else {
        error.textContent = '';
        error.hidden = true;
        input.removeAttribute('aria-invalid');
        if (opts.hint) input.setAttribute('aria-describedby', hintId);
        else input.removeAttribute('aria-describedby');
        wrapper.classList.remove('field--invalid');
      }
    },
  };
}

/**
 * Put a button into a busy state and return a function that restores it.
 * aria-disabled (not `disabled`) keeps keyboard focus on the button while the
 * request runs; callers also keep an in-flight flag, so a second click, tap or
 * Enter press cannot submit twice.
 */
export function busy(button: HTMLButtonElement, label: string): () => void {
  const previous = button.textContent ?? '';
  button.setAttribute('aria-disabled', 'true');
  button.setAttribute('aria-busy', 'true');
  button.classList.add('is-busy');
  button.textContent = label;
  return () => {
    button.removeAttribute('aria-disabled');
    button.removeAttribute('aria-busy');
    button.classList.remove('is-busy');
    button.textContent = previous;
  };
}
