/* The header's menu on phones and the directory's filter panel. Loaded in <head> without
   "defer": it marks <html> with the class "js" before the page is drawn, so site.css can fold
   the menu away on narrow screens without a flash; without JavaScript the links stay visible.

   - The button .nav-toggle shows and hides the element its aria-controls names (class
     "is-open") and keeps aria-expanded in step; Escape closes the menu and returns to the button.
   - A <details data-open-from="WIDTH"> (the directory's filters) is open on screens at least
     WIDTH px wide and closed below, where its <summary> is the "Filters" button. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function setUpMenu(button) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }
    function show(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    }
    show(false);
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      var inside = menu.contains(document.activeElement) || document.activeElement === button;
      if (event.key === "Escape" && inside && button.getAttribute("aria-expanded") === "true") {
        show(false);
        button.focus();
      }
    });
  }

  function setUpPanel(details) {
    if (!window.matchMedia) {
      return;
    }
    var query = window.matchMedia("(min-width: " + details.getAttribute("data-open-from") + "px)");
    function follow() {
      details.open = query.matches;
    }
    follow();
    query.addEventListener("change", follow);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".nav-toggle[aria-controls]").forEach(setUpMenu);
    document.querySelectorAll("details[data-open-from]").forEach(setUpPanel);
  });
})();
