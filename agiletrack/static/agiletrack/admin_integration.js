// The integration admin form: show only the chosen provider's credential fields (each input
// names its providers in data-kinds; all rows show without scripts). The admin loads form media
// in the page head, so this waits for the document.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  if (!kind) return;
  function update() {
    document.querySelectorAll("input[data-kinds]").forEach(function (input) {
      var row = input.closest(".form-row") || input.parentNode;
      row.hidden = input.getAttribute("data-kinds").split(" ").indexOf(kind.value) === -1;
    });
  }
  kind.addEventListener("change", update);
  update();
});
