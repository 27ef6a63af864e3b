/*
 * Newsletter forms, progressively enhanced. No build step, no dependencies.
 *
 * 1. Subscribe forms embedded in cacheable pages (data-api: the home page, the
 *    {% subscribe_form %} tag, the subscribe form block) carry no CSRF token, so the page sets
 *    no cookie. On submit this sends them to the JSON endpoint (/api/newsletter/subscribe/),
 *    which needs no token, and shows its answer in place: "check your inbox", or the errors
 *    (a summary at the top linking to each field, each field marked aria-invalid and described
 *    by its message). If the endpoint can't answer (offline, rate limit), the form is sent the
 *    ordinary way, as it is without JavaScript.
 * 2. A page rendered with errors by the server moves the focus to its error summary.
 */
(function () {
  "use strict";
  if (window.newsletterForms) {
    return;
  }
  window.newsletterForms = true;

  function clearErrors(form) {
    form.querySelectorAll(".error-summary, .js-field-error").forEach(function (node) {
      node.remove();
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (field) {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
    });
    form.querySelectorAll(".field--error").forEach(function (node) {
      node.classList.remove("field--error", "checkbox--error");
    });
  }

  function fieldError(form, field, message) {
    var box = field.closest(".field, .checkbox");
    var note = document.createElement("p");
    note.className = "field__error js-field-error";
    note.id = field.id + "-error";
    var prefix = document.createElement("span");
    prefix.className = "visually-hidden";
    prefix.textContent = form.dataset.errorPrefix || "Error:";
    note.append(prefix, " " + message);
    if (box) {
      box.classList.add("field--error");
      var label = box.querySelector("label");
      box.insertBefore(note, field.type === "checkbox" ? label : field);
    }
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", note.id);
  }

  function showErrors(form, errors) {
    clearErrors(form);
    var summary = document.createElement("div");
    summary.className = "error-summary";
    summary.setAttribute("role", "alert");
    summary.tabIndex = -1;
    var title = document.createElement("h2");
    title.className = "error-summary__title";
    title.id = (form.elements.email ? form.elements.email.id : "subscribe") + "-summary";
    title.textContent = form.dataset.errorTitle || "There is a problem";
    summary.setAttribute("aria-labelledby", title.id);
    var list = document.createElement("ul");
    list.className = "error-summary__list";
    Object.keys(errors).forEach(function (name) {
      var field = form.elements[name];
      var visible = field && field.type !== "hidden" && field.id;
      var message = errors[name].join(" ");
      if (name === "consent" && form.dataset.consentError) {
        message = form.dataset.consentError;
      }
      var item = document.createElement("li");
      if (visible) {
        var link = document.createElement("a");
        link.href = "#" + field.id;
        link.textContent = message;
        item.append(link);
        fieldError(form, field, message);
      } else {
        item.textContent = message;
      }
      list.append(item);
    });
    summary.append(title, list);
    form.prepend(summary);
    summary.focus();
  }

  function showDone(form, message) {
    var done = document.createElement("div");
    done.className = "subscribe-form__done notice";
    done.setAttribute("role", "status");
    done.tabIndex = -1;
    done.textContent = message;
    form.replaceWith(done);
    done.focus();
  }

  function payload(form) {
    var data = new FormData(form);
    return {
      email: data.get("email") || "",
      name: data.get("name") || "",
      list: data.get("list") || "",
      language: data.get("language") || "",
      consent_version: data.get("consent_version") || "",
      consent: form.elements.consent ? form.elements.consent.checked : false,
      website: data.get("website") || "",
    };
  }

  function enhance(form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || form.dataset.sending) {
        return;
      }
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      form.dataset.sending = "1";
      if (button) {
        button.setAttribute("aria-disabled", "true");
      }
      function fallBack() {
        delete form.dataset.sending;
        form.submit();
      }
      fetch(form.dataset.api, {
        method: "POST",
        credentials: "omit",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(payload(form)),
      })
        .then(function (response) {
          return response.json().then(function (body) {
            return { status: response.status, body: body };
          });
        })
        .then(function (answer) {
          delete form.dataset.sending;
          if (button) {
            button.removeAttribute("aria-disabled");
          }
          if (answer.status === 202) {
            showDone(form, answer.body.message);
          } else if (answer.status === 400 && answer.body.errors) {
            showErrors(form, answer.body.errors);
          } else {
            fallBack();
          }
        })
        .catch(fallBack);
    });
  }

  function start() {
    document.querySelectorAll("form.subscribe-form[data-api]").forEach(enhance);
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
