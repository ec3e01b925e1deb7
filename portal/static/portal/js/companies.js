/* Company directory and profiles: only improvements, everything works without this file.
   - Turns protected e-mail addresses (reversed, base64 in data-email) into mailto links. */
(function () {
  "use strict";
  function decode(encoded) {
    var bytes = Uint8Array.from(atob(encoded), function (c) { return c.charCodeAt(0); });
    return Array.from(new TextDecoder().decode(bytes)).reverse().join("");
  }
  document.querySelectorAll("[data-email]").forEach(function (element) {
    var address;
    try { address = decode(element.getAttribute("data-email")); } catch (error) { return; }
    if (address.indexOf("@") < 1) { return; }
    var link = document.createElement("a");
    link.href = "mailto:" + address;
    link.textContent = address;
    element.replaceChildren(link);
  });
})();
