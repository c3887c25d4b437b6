// Refreshes the board's rows in place: same filters as the page, from this service only.
(function () {
  "use strict";
  var body = document.getElementById("rows");
  if (!body) { return; }
  var every = parseInt(body.getAttribute("data-poll-ms"), 10) || 5000;
  function refresh() {
    var url = "/board/rows" + window.location.search;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (answer) {
        if (answer.redirected || !answer.ok) { throw new Error("board: " + answer.status); }
        return answer.text();
      })
      .then(function (html) { body.innerHTML = html; })
      .catch(function () { /* keep the rows shown; the next poll tries again */ })
      .then(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
})();
