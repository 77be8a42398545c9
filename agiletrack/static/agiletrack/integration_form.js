// Show only the credential fields the chosen provider needs (all are shown without scripts).
(function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  if (!kind) return;
  function update() {
    document.querySelectorAll("[data-kinds]").forEach(function (field) {
      var wanted = field.getAttribute("data-kinds").split(" ").indexOf(kind.value) !== -1;
      field.hidden = !wanted;
    });
  }
  kind.addEventListener("change", update);
  update();
})();
