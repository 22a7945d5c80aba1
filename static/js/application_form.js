// The application page saves the draft as you type (htmx) and submits with its buttons.
// The two never run at once: a click waits for the autosave in flight, then goes; once the page
// is being submitted no autosave starts. A failed autosave says so in the panel.
(function () {
  var form = document.querySelector("form.application-form");
  if (!form) return;
  var inFlight = 0, submitting = false, waiting = null;

  function status(html) {
    var box = document.getElementById("autosave-status");
    if (box) box.innerHTML = html;
  }

  function lockButtons(button) {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    if (button && button.hasAttribute("data-submit-once")) button.textContent = "Dépôt en cours…";
  }

  form.addEventListener("htmx:beforeRequest", function (event) {
    if (submitting) { event.preventDefault(); return; }
    inFlight += 1;
  });

  form.addEventListener("htmx:afterRequest", function (event) {
    inFlight = Math.max(0, inFlight - 1);
    if (!event.detail.successful) {
      var code = event.detail.xhr && event.detail.xhr.status;
      status('<p class="message error" role="alert">Brouillon non enregistré' +
             (code ? " (erreur " + code + ")" : " (serveur injoignable)") +
             " : vos saisies sont toujours dans la page ; enregistrez-les avec le bouton " +
             "« Enregistrer le brouillon ».</p>");
    }
    if (inFlight === 0 && waiting) {
      var button = waiting;
      waiting = null;
      submitting = true;
      // The autosave may have given the form a new version: submit now, with it.
      var action = document.createElement("input");
      action.type = "hidden"; action.name = button.name; action.value = button.value;
      form.appendChild(action);
      lockButtons(button);
      HTMLFormElement.prototype.submit.call(form);
    }
  });

  form.addEventListener("submit", function (event) {
    if (submitting) { event.preventDefault(); return; }
    var button = event.submitter;
    if (inFlight > 0) {
      event.preventDefault();
      waiting = button || form.querySelector("button[type=submit]");
      status('<p class="tag">Enregistrement en cours… votre demande part juste après.</p>');
      return;
    }
    submitting = true;
    // Disable after the browser has read the clicked button's name and value.
    setTimeout(function () { lockButtons(button); }, 0);
  });
})();
