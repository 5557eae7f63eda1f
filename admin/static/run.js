/* Starts the page's scripts named in data-run (no inline script: the CSP allows scripts from this
   site only), and gives [data-back] links their "back" behaviour. */
(function () {
  "use strict";
  var me = document.currentScript;
  var names = ((me && me.getAttribute("data-run")) || "").split(/\s+/);
  names.forEach(function (name) { if (name && window.PA && typeof window.PA[name] === "function") window.PA[name](); });
  document.querySelectorAll("[data-back]").forEach(function (a) {
    a.addEventListener("click", function (e) { if (window.history.length > 1) { e.preventDefault(); window.history.back(); } });
  });
})();
