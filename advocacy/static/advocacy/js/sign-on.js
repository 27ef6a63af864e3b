// The sign-on form on an open letter. The letter page is cached for every reader, so the form
// carries no CSRF token. Before the first submit, ask the site for one (the answer also sets the
// CSRF cookie) and add it, so that signing takes one press. If that fails, the form is sent as it
// is and the site shows it again, asking for one more press.
(function () {
  "use strict";
  document.querySelectorAll("form[data-token-url]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.querySelector('input[name="csrfmiddlewaretoken"]') || form.dataset.tokenAsked) {
        return;
      }
      event.preventDefault();
      form.dataset.tokenAsked = "1";
      fetch(form.dataset.tokenUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data && typeof data.token === "string") {
            var input = document.createElement("input");
            input.type = "hidden";
            input.name = "csrfmiddlewaretoken";
            input.value = data.token;
            form.appendChild(input);
          }
        })
        .catch(function () {})
        .then(function () {
          form.submit(); // submit() skips this handler: no loop
        });
    });
  });
})();
