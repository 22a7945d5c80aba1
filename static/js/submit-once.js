// A button marked data-submit-once is disabled once its form is sent (no double deposit).
document.querySelectorAll("[data-submit-once]").forEach(function (button) {
  button.form.addEventListener("submit", function (event) {
    if (event.submitter === button) {
      setTimeout(function () { button.disabled = true; button.textContent = "Dépôt en cours…"; }, 0);
    }
  });
});
