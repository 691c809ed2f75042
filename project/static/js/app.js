/* Behaviour of our templates, kept out of inline handlers so that the
   Content-Security-Policy can forbid inline script. Listeners sit on the
   document, so they keep working across Turbo page visits. */
(function () {
  "use strict";

  // <select data-submit-on-change>: the language switch submits its form.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-submit-on-change]");
    if (select && select.form) {
      select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
    }
  });

  // <button data-copy-checked="#form-with-checkboxes"> inside a form: before
  // that form is sent, copy the boxes ticked elsewhere into it (unassigning
  // tasks ticked in the reassignment table).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy-checked]");
    if (!button || !button.form) {
      return;
    }
    var form = button.form;
    form.querySelectorAll("input[data-copied]").forEach(function (input) {
      input.remove();
    });
    var boxes = document.querySelectorAll(
      button.dataset.copyChecked + " input[type=checkbox]:checked"
    );
    boxes.forEach(function (box) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = box.name;
      input.value = box.value;
      input.dataset.copied = "1";
      form.appendChild(input);
    });
  });
})();
