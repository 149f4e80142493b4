// The portal's progressive layer: every page works without it (plain forms and links). Served by
// the portal itself (CSP script-src 'self'); no inline handlers.
'use strict';

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  // Destructive actions ask first.
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  if (form.dataset.upload !== undefined && window.XMLHttpRequest && window.FormData) {
    event.preventDefault();
    upload(form);
    return;
  }
  // One click, one request (the form's Idempotency-Key makes a repeat harmless anyway).
  for (const button of form.querySelectorAll('button[type=submit]')) button.disabled = true;
});

/** Uploads with a progress bar; on success follows the answer's redirect, otherwise posts the form plainly to show the refusal. */
function upload(form) {
  const progress = form.querySelector('progress');
  const buttons = form.querySelectorAll('button[type=submit]');
  for (const button of buttons) button.disabled = true;
  if (progress) progress.hidden = false;
  const request = new XMLHttpRequest();
  request.open('POST', form.action);
  request.upload.addEventListener('progress', (event) => {
    if (progress && event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
  });
  request.addEventListener('load', () => {
    if (request.status < 400 && request.responseURL) window.location.assign(request.responseURL);
    else HTMLFormElement.prototype.submit.call(form);
  });
  request.addEventListener('error', () => HTMLFormElement.prototype.submit.call(form));
  request.send(new FormData(form));
}
