/* Turns the spam-protected e-mail addresses of {% protected_email %} into mailto links.
   The HTML holds only "name [at] example [dot] org" and, in data-protected-email, the address
   reversed and base64-encoded (UTF-8), so harvesters reading the HTML find no address. */
(function () {
  "use strict";

  function decode(encoded) {
    var binary = window.atob(encoded);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    var reversed = new TextDecoder("utf-8").decode(bytes);
    return Array.from(reversed).reverse().join("");
  }

  function reveal(element) {
    var address;
    try {
      address = decode(element.getAttribute("data-protected-email"));
    } catch (error) {
      return;
    }
    if (address.indexOf("@") < 1) {
      return;
    }
    var link = document.createElement("a");
    link.href = "mailto:" + address;
    link.textContent = address;
    link.className = "email-link";
    element.textContent = "";
    element.appendChild(link);
    element.removeAttribute("data-protected-email");
  }

  function revealAll() {
    var elements = document.querySelectorAll("[data-protected-email]");
    for (var i = 0; i < elements.length; i += 1) {
      reveal(elements[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", revealAll);
  } else {
    revealAll();
  }
})();
