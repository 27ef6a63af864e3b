/* "Copy link" beside the share links (advocacy/includes/article_end.html): shown only where
 * the browser can write to the clipboard; says "Link copied" in a live region. */
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) return;
  var items = document.querySelectorAll("[data-copy-link]");
  for (var i = 0; i < items.length; i++) {
    (function (item) {
      var button = item.querySelector("[data-copy-link-url]");
      var status = item.querySelector("[data-copy-link-status]");
      if (!button || !status) return;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.getAttribute("data-copy-link-url")).then(
          function () { status.textContent = button.getAttribute("data-copied") || "Link copied"; },
          function () { status.textContent = button.getAttribute("data-failed") || "Could not copy"; }
        );
        window.setTimeout(function () { status.textContent = ""; }, 4000);
      });
      item.hidden = false;
    })(items[i]);
  }
})();
