// The ticket fields of a form that starts or schedules a room (ticket_fields.html): shown
// when "Sell tickets" is on; the price typed in units (15.00) is sent in minor units (1500;
// yen have none), as the API takes money.

export function wireTicketFields(form, signal) {
  const on = form.elements.ticketed;
  if (!on) return;
  const terms = form.querySelector('.ticket-terms');
  const show = () => { terms.hidden = !on.checked; form.elements.price.required = on.checked; };
  on.addEventListener('change', show, { signal });
  show();
}

// The `tickets` part of the request body, or undefined when none are sold. Fields the
// request must not carry as they are (price, currency, ...) are taken out of `data`.
export function ticketTerms(form, data) {
  for (const name of ['ticketed', 'price', 'currency', 'capacity', 'window']) delete data[name];
  const on = form.elements.ticketed;
  if (!on || !on.checked) return undefined;
  const currency = form.elements.currency;
  const exponent = Number(currency.selectedOptions[0]?.dataset.exponent || 2);
  const typed = String(form.elements.price.value).trim().replace(',', '.');
  const price = /^\d+(\.\d+)?$/.test(typed) ? Math.round(Number(typed) * 10 ** exponent) : typed;
  const capacity = form.elements.capacity.value;
  return {
    price,
    currency: currency.value,
    capacity: capacity ? Number(capacity) : null,
    window: form.elements.window.value,
  };
}
