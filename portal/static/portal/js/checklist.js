/* Long checkbox lists (clusters.widgets.ChecklistSelectMultiple): a box that filters the options
   as one types, and the number of options selected.

   Without this script the list is a plain list of checkboxes. With it, the tools rendered
   hidden above each long list ([data-checklist] .checklist-tools) appear:
   - typing filters the options by their label and their group's heading, ignoring case and
     accents ("lodz" finds "Łódź", "sagning" finds "Sågning"); every word typed must match;
   - checked options always stay visible, so a choice never disappears from sight;
   - a polite live region says "Selected: n", and another one when nothing matches;
   - Enter in the box does not submit the form, Escape clears the box. */
(function () {
  "use strict";

  // Letters that Unicode does not decompose into a base letter and a combining mark.
  var FOLDED = { "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "ß": "ss" };

  function fold(text) {
    return text
      .toLowerCase()
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[łøđħıæœß]/g, function (letter) {
        return FOLDED[letter];
      });
  }

  function setUp(list) {
    var tools = list.querySelector(".checklist-tools");
    var filter = list.querySelector("[data-checklist-filter]");
    var count = list.querySelector("[data-checklist-count]");
    var empty = list.querySelector("[data-checklist-empty]");
    if (!tools || !filter || !count) {
      return;
    }
    var options = Array.prototype.map.call(
      list.querySelectorAll(".checklist-option"),
      function (item) {
        var group = item.closest(".checklist-group");
        var legend = group ? group.querySelector("legend") : null;
        var label = item.querySelector("label");
        return {
          item: item,
          group: group,
          input: item.querySelector("input"),
          text: fold((label ? label.textContent : "") + " " + (legend ? legend.textContent : "")),
        };
      }
    );
    var groups = Array.prototype.slice.call(list.querySelectorAll(".checklist-group"));
    var template = count.getAttribute("data-template") || "{n}";

    function updateCount() {
      var selected = options.filter(function (option) {
        return option.input.checked;
      }).length;
      count.textContent = template.replace("{n}", String(selected));
    }

    function applyFilter() {
      var words = fold(filter.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      options.forEach(function (option) {
        var matches = words.every(function (word) {
          return option.text.indexOf(word) !== -1;
        });
        var visible = matches || option.input.checked;
        option.item.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      groups.forEach(function (group) {
        group.hidden = !group.querySelector(".checklist-option:not([hidden])");
      });
      if (empty) {
        empty.textContent = shown === 0 ? empty.getAttribute("data-text") : "";
      }
      list.classList.toggle("is-filtered", words.length > 0);
    }

    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      } else if (event.key === "Escape" && filter.value) {
        event.preventDefault();
        filter.value = "";
        applyFilter();
      }
    });
    list.addEventListener("change", function (event) {
      if (event.target && event.target.type === "checkbox") {
        updateCount();
      }
    });
    tools.hidden = false;
    list.classList.add("is-enhanced");
    updateCount();
    if (filter.value) {
      applyFilter(); // the browser restored the box's text (back button)
    }
  }

  function setUpAll() {
    var lists = document.querySelectorAll("[data-checklist]");
    for (var i = 0; i < lists.length; i += 1) {
      setUp(lists[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
