// Live counter of the ballot: remaining choices (approval) or remaining budget (knapsack).
(function () {
  var form = document.getElementById("ballot-form");
  if (!form) return;
  var style = form.dataset.style, max = parseInt(form.dataset.max || "0", 10),
      min = parseInt(form.dataset.min || "0", 10), envelope = parseFloat(form.dataset.envelope || "0"),
      status = document.getElementById("ballot-status"),
      euro = new Intl.NumberFormat("fr-FR", {style: "currency", currency: "EUR", maximumFractionDigits: 0});
  function update() {
    var boxes = form.querySelectorAll("input[name=choices]"), count = 0, total = 0, over = false, text;
    boxes.forEach(function (box) { if (box.checked) { count++; total += parseFloat(box.dataset.cost); } });
    if (style === "knapsack") {
      over = total > envelope;
      text = over ? "Dépassement : " + euro.format(total - envelope) + " au-delà de l'enveloppe"
                  : "Reste " + euro.format(envelope - total) + " sur " + euro.format(envelope);
      boxes.forEach(function (box) {
        box.setAttribute("aria-describedby", "ballot-status");
      });
    } else {
      over = max > 0 && count > max;
      text = count + " projet" + (count > 1 ? "s" : "") + " choisi" + (count > 1 ? "s" : "");
      if (max > 0) text += over ? " : " + (count - max) + " de trop" : " — encore " + (max - count) + " possible" + (max - count > 1 ? "s" : "");
      if (min > 1 && count < min) text += " (au moins " + min + ")";
    }
    status.textContent = text;
    status.classList.toggle("over", over);
  }
  form.addEventListener("change", update);
  update();
})();
