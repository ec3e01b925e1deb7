/* "Add a row" of a Django formset without reloading the page.

   Markup (see templates/events/visit_form.html):
   - the formset's management form (<prefix>-TOTAL_FORMS, <prefix>-MAX_NUM_FORMS);
   - [data-formset-rows="<prefix>"]: the rows;
   - <template data-formset-template="<prefix>">: formset.empty_form, where "__prefix__" stands
     for the new row's index and "__number__" for its number as people count (index + 1);
   - a submit button [data-formset-add="<prefix>"] that, without JavaScript, posts the form to
     re-render it with one more row (the server's fallback);
   - optionally [data-formset-full="<prefix>"], hidden, shown once the formset is full.

   With this script the button clones the template instead, raises TOTAL_FORMS and moves the
   focus to the new row's first field. */
(function () {
  "use strict";

  function field(form, prefix, name) {
    return form.querySelector('input[name="' + prefix + "-" + name + '"]');
  }

  function setUp(button) {
    var prefix = button.getAttribute("data-formset-add");
    var form = button.form;
    var rows = document.querySelector('[data-formset-rows="' + prefix + '"]');
    var template = document.querySelector('template[data-formset-template="' + prefix + '"]');
    var total = form ? field(form, prefix, "TOTAL_FORMS") : null;
    if (!rows || !template || !total) {
      return;
    }
    var maxInput = field(form, prefix, "MAX_NUM_FORMS");
    var max = maxInput ? parseInt(maxInput.value, 10) : NaN;
    var full = document.querySelector('[data-formset-full="' + prefix + '"]');

    function showFull() {
      var holder = button.closest("p") || button;
      holder.hidden = true;
      if (full) {
        full.hidden = false;
      }
    }

    button.addEventListener("click", function (event) {
      var index = parseInt(total.value, 10);
      if (isNaN(index)) {
        return; // let the server sort it out
      }
      event.preventDefault();
      if (!isNaN(max) && index >= max) {
        showFull();
        return;
      }
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      var row = holder.firstElementChild;
      if (!row) {
        return;
      }
      rows.appendChild(row);
      total.value = String(index + 1);
      var first = row.querySelector(
        "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])"
      );
      if (first) {
        first.focus();
      }
      if (!isNaN(max) && index + 1 >= max) {
        showFull();
      }
    });
  }

  function setUpAll() {
    var buttons = document.querySelectorAll("button[data-formset-add]");
    for (var i = 0; i < buttons.length; i += 1) {
      setUp(buttons[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
