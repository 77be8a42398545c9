// Show only the chosen provider's fields (all are shown without scripts), and offer its settings
// as the advanced JSON's placeholder.
(function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  if (!kind) return;
  var examplesNode = document.getElementById("provider-examples");
  var examples = examplesNode ? JSON.parse(examplesNode.textContent) : {};
  var advanced = document.getElementById("id_config");
  function update() {
    document.querySelectorAll("[data-kinds]").forEach(function (field) {
      var wanted = field.getAttribute("data-kinds").split(" ").indexOf(kind.value) !== -1;
      field.hidden = !wanted;
    });
    if (advanced && examples[kind.value]) {
      advanced.placeholder = JSON.stringify(examples[kind.value], null, 2);
    }
  }
  kind.addEventListener("change", update);
  update();
})();
