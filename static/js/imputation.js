// The creation page proposes the budget account of the nature (and fund) chosen, and says why
// under the field. A value typed by hand is kept: only the proposal follows the choices.
(function () {
  var form = document.querySelector("form.convention-create");
  var data = document.getElementById("imputation-proposals");
  if (!form || !data) return;
  var proposals = JSON.parse(data.textContent);
  var nature = form.querySelector("[name=nature]");
  var fund = form.querySelector("[name=fund]");
  var field = form.querySelector("[name=imputation]");
  var help = document.getElementById(field.id + "_helptext");
  if (help) help.setAttribute("aria-live", "polite");
  var proposed = form.getAttribute("data-proposed-imputation");

  function update() {
    var table = proposals[fund && fund.value ? fund.value : ""] || proposals[""];
    var proposal = table[nature.value];
    if (!proposal) return;
    if (field.value === "" || field.value === proposed) field.value = proposal[0];
    proposed = proposal[0];
    if (help) help.textContent = proposal[1];
  }

  nature.addEventListener("change", update);
  if (fund) fund.addEventListener("change", update);
})();
