/* Every page: focus on the error summary after a refused submit; wide tables reachable by
   keyboard. A static file, as the Content-Security-Policy allows no inline script. */
// After a refused submit, take the user to the list of errors (each links to its field).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
});
// A table wider than the screen scrolls in its frame: the keyboard can reach and scroll it.
function scrollableTables() {
  document.querySelectorAll(".table-wrap").forEach(function (wrap) {
    if (wrap.scrollWidth > wrap.clientWidth && !wrap.hasAttribute("tabindex")) {
      var caption = wrap.querySelector("caption");
      wrap.tabIndex = 0;
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : "Tableau");
    }
  });
}
document.addEventListener("DOMContentLoaded", scrollableTables);
window.addEventListener("resize", scrollableTables);
