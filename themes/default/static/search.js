// The search page: Pagefind's UI over the site's search index, which comes in shards (the
// notes, the papers of each quarter or year), each a Pagefind index of its own in the site's
// pagefind/ folder. search/pagefind.js, beside this file, searches them all for the UI.
// Paths come from the page (data-bundle, data-root), so the site works under any base path;
// the words of the header's search form (?q=…) are searched at once.
(function () {
  "use strict";
  var element = document.getElementById("search");
  if (!element || typeof window.PagefindUI !== "function") {
    return;
  }
  var here = document.baseURI;
  var ui = new window.PagefindUI({
    element: "#search",
    bundlePath: new URL("search/", document.currentScript.src).pathname,
    shards: new URL(element.dataset.bundle, here).pathname, // for search/pagefind.js
    baseUrl: new URL(element.dataset.root, here).pathname,
    showSubResults: false,
    showImages: false,
    resetStyles: false,
    pageSize: 10,
    translations: { placeholder: "Search papers and notes" },
    // Each result names its topics (the page's topic filter values) beside its day.
    processResult: function (result) {
      var topics = (result.filters && result.filters.topic) || [];
      if (topics.length) {
        result.meta.topics = topics.join(", ");
      }
      return result;
    },
  });
  // Pagefind's box has only a title: give it a <label>, visually hidden like the header's.
  var input = element.querySelector(".pagefind-ui__search-input");
  if (input) {
    input.id = "search-input";
    var label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = input.id;
    label.textContent = "Search papers and notes";
    input.before(label);
  }
  var words = new URLSearchParams(window.location.search).get("q");
  if (words) {
    ui.triggerSearch(words);
  }
})();
