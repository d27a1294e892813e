// Catalogue picker for RTL action forms: choosing a common action copies its text into the
// text field and selects the element of its group. Works without this script too (the server
// uses the chosen catalogue entry when the text field is empty).
(function () {
  "use strict";
  document.querySelectorAll("form[data-catalogue]").forEach(function (form) {
    var select = form.querySelector("[data-catalogue-select]");
    var text = form.querySelector("[data-catalogue-text]");
    var element = form.querySelector("[data-element]");
    if (!select || !text) { return; }
    select.addEventListener("change", function () {
      var opt = select.options[select.selectedIndex];
      if (!opt || !opt.value) { return; }
      text.value = opt.text;
      var group = opt.parentNode && opt.parentNode.label;
      if (element && group) {
        for (var i = 0; i < element.options.length; i++) {
          if (element.options[i].text.replace(" (prioritas)", "") === group) {
            element.selectedIndex = i;
            break;
          }
        }
      }
    });
  });
})();
