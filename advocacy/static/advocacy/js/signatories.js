/* An open letter's signatories: search as you type, filter by province, show the first rows
 * with a "Show all" button, and announce how many match. The full list is in the HTML; without
 * this script every signatory simply shows. Markup: advocacy/includes/signatories.html. */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? values[key] : match;
    });
  }

  function setUp(section) {
    var list = section.querySelector(".signatories__list");
    var tools = section.querySelector("[data-signatories-tools]");
    var search = section.querySelector("[data-signatories-search]");
    var province = section.querySelector("[data-signatories-province]");
    var status = section.querySelector("[data-signatories-status]");
    var toggle = section.querySelector("[data-signatories-toggle]");
    if (!list || !search || !status || !toggle) return;

    var rows = Array.prototype.slice.call(list.children);
    var keys = rows.map(function (row) { return fold(row.textContent); });
    var total = rows.length;
    var limit = parseInt(section.getAttribute("data-collapsed-rows"), 10) || 24;
    var text = section.dataset;
    var showAllLabel = toggle.textContent;
    var expanded = false;
    var timer = null;
    var locale = document.documentElement.lang || undefined;

    function number(n) { return n.toLocaleString(locale); }

    function describe(matches, filtering) {
      if (filtering) {
        if (matches === 0) return text.textNone;
        if (matches === 1) return text.textMatchOne;
        return format(text.textMatches, { n: number(matches) });
      }
      if (!expanded && total > limit) {
        return format(text.textShowing, { shown: number(limit), total: number(total) });
      }
      return format(text.textAll, { total: number(total) });
    }

    function update(announce) {
      var query = fold(search.value);
      var code = province ? province.value : "";
      var filtering = Boolean(query || code);
      var matches = 0;
      for (var i = 0; i < rows.length; i++) {
        var match = (!query || keys[i].indexOf(query) !== -1) &&
          (!code || rows[i].getAttribute("data-province") === code);
        if (match) matches++;
        var visible = match && (filtering || expanded || i < limit);
        rows[i].hidden = !visible;
      }
      toggle.hidden = filtering || total <= limit;
      toggle.setAttribute("aria-expanded", expanded ? "true" : "false");
      toggle.textContent = expanded ? text.textShowFewer : showAllLabel;
      var message = describe(matches, filtering);
      // Typing fast: announce once the reader pauses, not on every key.
      window.clearTimeout(timer);
      if (announce) {
        timer = window.setTimeout(function () { status.textContent = message; }, 400);
      } else {
        status.textContent = message;
      }
    }

    search.addEventListener("input", function () { update(true); });
    if (province) province.addEventListener("change", function () { update(true); });
    toggle.addEventListener("click", function () {
      expanded = !expanded;
      update(false);
      if (!expanded) toggle.scrollIntoView({ block: "center" });
    });

    tools.hidden = false;
    update(false);
  }

  var sections = document.querySelectorAll("[data-signatories]");
  for (var i = 0; i < sections.length; i++) setUp(sections[i]);
})();
