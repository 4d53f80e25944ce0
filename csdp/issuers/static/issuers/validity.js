// 000 §一(一)6 注意(1): with 长期有效 there is no end date, and under 三证合一 no organisation-code
// certificate. Grey out what does not apply; the server ignores those fields anyway.
(function () {
  function bind(toggleId, targetIds) {
    var toggle = document.getElementById(toggleId);
    if (!toggle) return;
    function apply() {
      targetIds.forEach(function (id) {
        var field = document.getElementById(id);
        if (field) field.disabled = toggle.checked;
      });
    }
    toggle.addEventListener("change", apply);
    apply();
  }
  document.addEventListener("DOMContentLoaded", function () {
    bind("id_licence_long_term", ["id_licence_valid_until"]);
    bind("id_org_code_long_term", ["id_org_code_valid_until"]);
    bind("id_three_in_one", ["id_org_code", "id_org_code_valid_from", "id_org_code_valid_until", "id_org_code_long_term"]);
  });
})();
