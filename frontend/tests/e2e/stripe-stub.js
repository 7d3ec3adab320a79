/*
 * Offline stand-in for Stripe.js (docs/contracts.md, "Stripe.js stub"). Browser
 * tests serve it for every https://js.stripe.com/** request. It mounts a fake
 * Payment Element (one card-number input) and implements confirmPayment() by
 * POSTing {clientSecret, cardNumber} to /__stub_stripe/confirm on the site's own
 * origin. Never used in production. Builds DOM with DOM APIs only (CSP-safe).
 */
(function () {
  'use strict';

  function Emitter() {
    this.handlers = {};
  }
  Emitter.prototype.on = function (event, handler) {
    (this.handlers[event] = this.handlers[event] || []).push(handler);
    return this;
  };
  Emitter.prototype.off = function (event, handler) {
    this.handlers[event] = (this.handlers[event] || []).filter(function (h) {
      return h !== handler;
    });
    return this;
  };
  Emitter.prototype.emit = function (event, payload) {
    (this.handlers[event] || []).slice().forEach(function (h) {
      h(payload);
    });
  };

  var counter = 0;

  function PaymentElement(elements, options) {
    Emitter.call(this);
    this.elements = elements;
    this.options = options || {};
    this.root = null;
    this.input = null;
  }
  PaymentElement.prototype = Object.create(Emitter.prototype);
  PaymentElement.prototype.mount = function (target) {
    var container = typeof target === 'string' ? document.querySelector(target) : target;
    if (!container) throw new Error('stripe-stub: mount target not found');
    counter += 1;
    var id = 'stub-card-number-' + counter;
    var root = document.createElement('div');
    root.className = 'stub-payment-element';
    root.setAttribute('data-testid', 'stub-payment-element');
    var label = document.createElement('label');
    label.setAttribute('for', id);
    label.textContent = 'Card number';
    var input = document.createElement('input');
    input.id = id;
    input.name = 'cardnumber';
    input.type = 'text';
    input.inputMode = 'numeric';
    input.autocomplete = 'cc-number';
    input.placeholder = '1234 1234 1234 1234';
    var self = this;
    input.addEventListener('input', function () {
      var digits = input.value.replace(/\D/g, '');
      self.emit('change', { elementType: 'payment', empty: digits.length === 0, complete: digits.length >= 16, value: { type: 'card' } });
    });
    root.appendChild(label);
    root.appendChild(input);
    container.appendChild(root);
    this.root = root;
    this.input = input;
    this.elements._element = this;
    setTimeout(function () {
      self.emit('ready', { elementType: 'payment' });
    }, 30);
  };
  PaymentElement.prototype.unmount = function () {
    if (this.root && this.root.parentNode) this.root.parentNode.removeChild(this.root);
    this.root = null;
  };
  PaymentElement.prototype.destroy = PaymentElement.prototype.unmount;
  PaymentElement.prototype.focus = function () {
    if (this.input) this.input.focus();
  };
  PaymentElement.prototype.update = function () {};

  function Elements(options) {
    this.options = options || {};
    this.clientSecret = this.options.clientSecret;
    this._element = null;
  }
  Elements.prototype.create = function (type, options) {
    if (type !== 'payment') throw new Error('stripe-stub: only the payment element is stubbed');
    return new PaymentElement(this, options);
  };
  Elements.prototype.getElement = function () {
    return this._element;
  };
  Elements.prototype.update = function () {};
  Elements.prototype.submit = function () {
    return Promise.resolve({});
  };

  function Stripe(publishableKey, options) {
    if (!(this instanceof Stripe)) return new Stripe(publishableKey, options);
    if (typeof publishableKey !== 'string' || publishableKey.indexOf('pk_') !== 0) {
      throw new Error('stripe-stub: invalid publishable key');
    }
    this.publishableKey = publishableKey;
  }
  Stripe.version = 'endive';
  Stripe.prototype._registerWrapper = function () {};
  Stripe.prototype.elements = function (options) {
    return new Elements(options);
  };
  Stripe.prototype.confirmPayment = function (params) {
    var elements = params && params.elements;
    var element = elements && elements._element;
    var cardNumber = element && element.input ? element.input.value.replace(/\D/g, '') : '';
    if (!cardNumber) {
      return Promise.resolve({
        error: { type: 'validation_error', code: 'incomplete_number', message: 'Your card number is incomplete.' },
      });
    }
    return fetch('/__stub_stripe/confirm', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientSecret: elements.clientSecret, cardNumber: cardNumber }),
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (body) {
        if (body && body.error) return { error: body.error };
        var intent = { id: String(elements.clientSecret).split('_secret_')[0], status: body.status || 'succeeded' };
        var returnUrl = params.confirmParams && params.confirmParams.return_url;
        if (params.redirect !== 'if_required' && returnUrl) {
          window.location.assign(returnUrl);
        }
        return { paymentIntent: intent };
      })
      .catch(function () {
        return {
          error: { type: 'api_connection_error', message: 'We could not connect to Stripe. Please try again.' },
        };
      });
  };

  window.Stripe = Stripe;
})();
