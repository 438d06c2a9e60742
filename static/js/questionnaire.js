// Autosave on the questionnaire pages: when a save fails (network down, server error), keep the
// answer on the page, say so at the question, and send it again with a growing pause until it
// goes through. Validation errors (422), conflicts (409) and a closed survey (403) are answers
// from the server, swapped in by htmx (see the htmx-config meta tag in base.html), not retried.
(function () {
  "use strict";

  function answerForm(event) {
    var element = event.detail && event.detail.elt;
    return element && element.closest ? element.closest("form.answer-form") : null;
  }

  function failed(event) {
    var form = answerForm(event);
    if (!form) { return; }
    var attempt = Number(form.dataset.attempt || 0) + 1;
    var wait = Math.min(30, Math.pow(2, attempt));
    form.dataset.attempt = String(attempt);
    var status = form.querySelector(".save-status");
    if (status) {
      status.classList.add("text-danger");
      status.textContent = "⚠ " + form.dataset.retryText.replace("%s", String(wait));
    }
    window.setTimeout(function () { htmx.trigger(form, "dgaweb:retry"); }, wait * 1000);
  }

  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = answerForm(event);
    if (form && event.detail.successful) { delete form.dataset.attempt; }
  });

  // An evidence file larger than the server keeps is refused here, before it is sent: a browser
  // sending a big file to a server that has already answered 413 often reports a broken
  // connection instead of the answer. The server refuses it all the same.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (!form || !form.matches || !form.matches("form.evidence-upload")) { return; }
    var input = form.querySelector("input[type=file][data-max-mb]");
    var notice = form.querySelector(".evidence-too-large");
    var tooLarge = Array.prototype.some.call(input ? input.files : [], function (file) {
      return file.size > Number(input.dataset.maxMb) * 1024 * 1024;
    });
    if (notice) { notice.hidden = !tooLarge; }
    if (tooLarge) {
      event.preventDefault();
      input.value = "";
    }
  });

  // Leaving the page while an answer is still waiting to be sent again asks first.
  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector("form.answer-form[data-attempt]")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
