// The rules playground: line numbers, check as you type, preview a post, dry run over history.
(function () {
  "use strict";
  var root = document.getElementById("playground");
  if (!root) { return; }
  var csrf = root.getAttribute("data-csrf");
  var editor = document.getElementById("rules-text");
  var gutter = document.getElementById("gutter");
  var list = document.getElementById("problems");
  var status = document.getElementById("check-status");
  var CHECK_DELAY_MS = 400;
  var timer = null;
  var checked = 0;

  function call(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (answer) {
      return answer.json().then(function (data) { return { ok: answer.ok, data: data }; });
    });
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function drawGutter(badLines) {
    var count = editor.value.split("\n").length;
    gutter.textContent = "";
    for (var i = 1; i <= count; i++) {
      var line = el("span", i, badLines[i] ? "bad" : "");
      line.setAttribute("data-line", i);
      if (badLines[i]) { line.title = badLines[i]; }
      gutter.appendChild(line);
      gutter.appendChild(document.createTextNode("\n"));
    }
    gutter.scrollTop = editor.scrollTop;
  }

  function goTo(line) {
    var lines = editor.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    editor.focus();
    editor.setSelectionRange(start, start + (lines[line - 1] || "").length);
  }

  function showProblems(problems) {
    var bad = {};
    list.textContent = "";
    problems.forEach(function (p) {
      var text = p.line + ":" + p.column + (p.rule ? " [rule " + p.rule + "]" : "") + " " +
        p.message + (p.suggestion ? " (" + p.suggestion + ")" : "");
      var item = el("li", text);
      item.setAttribute("data-line", p.line);
      item.addEventListener("click", function () { goTo(p.line); });
      list.appendChild(item);
      if (p.line > 0) { bad[p.line] = (bad[p.line] ? bad[p.line] + "\n" : "") + p.message; }
    });
    drawGutter(bad);
    status.textContent = problems.length ? problems.length + " ✗" : "✓ OK";
    status.className = "check-status " + (problems.length ? "bad" : "ok");
  }

  function check() {
    var mine = ++checked;
    call("/v1/rules/check", { text: editor.value }).then(function (answer) {
      if (mine !== checked) { return; }  // a newer check is on its way
      if (answer.ok) { showProblems(answer.data.problems); }
    });
  }

  editor.addEventListener("input", function () {
    drawGutter({});
    status.textContent = "…";
    window.clearTimeout(timer);
    timer = window.setTimeout(check, CHECK_DELAY_MS);
  });
  editor.addEventListener("scroll", function () { gutter.scrollTop = editor.scrollTop; });
  Array.prototype.forEach.call(list.querySelectorAll("li"), function (item) {
    item.addEventListener("click", function () { goTo(parseInt(item.getAttribute("data-line"), 10)); });
  });
  drawGutter({});
  if (list.children.length) { check(); }

  // The post: an event as JSON, or plain text taken as a post's text.
  var post = document.getElementById("post");
  document.getElementById("post-pick").addEventListener("change", function (e) {
    if (e.target.value) { post.value = e.target.value; }
  });
  function theEvent() {
    var text = post.value.trim();
    if (text.charAt(0) === "{") {
      try { return JSON.parse(text); } catch (err) { /* taken as plain text below */ }
    }
    return { id: "playground", source: "playground", text: text };
  }

  function outcome(title, result, other) {
    var side = el("div", null, "side");
    side.appendChild(el("h3", title));
    [["category", result.category], ["severity", result.severity],
     ["matched", (result.matched_rules || []).join(", ") || "-"]].forEach(function (row) {
      var otherValue = row[0] === "matched" ? (other.matched_rules || []).join(", ") || "-" : other[row[0]];
      var line = el("p", row[0] + ": " + row[1], row[1] !== otherValue ? "differs" : "");
      line.setAttribute("data-field", row[0]);
      side.appendChild(line);
    });
    var steps = el("ol", null, "steps-planned");
    (result.steps || []).forEach(function (s) {
      steps.appendChild(el("li", s.kind + ": " + s.title + (s.owner ? " (" + s.owner + ")" : "")));
    });
    side.appendChild(steps);
    return side;
  }

  var previewOut = document.getElementById("preview-out");
  document.getElementById("preview").addEventListener("click", function () {
    previewOut.textContent = "…";
    call("/v1/rules/preview", { event: theEvent(), rules: editor.value }).then(function (answer) {
      previewOut.textContent = "";
      if (!answer.ok) {
        previewOut.appendChild(el("p", answer.data.message || "refused", "error"));
        if (answer.data.problems) { showProblems(answer.data.problems); }
        return;
      }
      var draft = answer.data, inForce = answer.data.in_force;
      var draftSide = outcome(root.getAttribute("data-draft") || "Draft", draft, inForce);
      draftSide.id = "preview-draft";
      var forceSide = outcome(root.getAttribute("data-in-force") || "In force", inForce, draft);
      forceSide.id = "preview-in-force";
      previewOut.appendChild(draftSide);
      previewOut.appendChild(forceSide);
    });
  });

  var dryOut = document.getElementById("dry-run-out");
  document.getElementById("dry-run").addEventListener("click", function () {
    dryOut.textContent = "…";
    var limit = parseInt(document.getElementById("dry-run-limit").value, 10) || 200;
    call("/v1/rules/dry-run", { rules: editor.value, limit: limit }).then(function (answer) {
      dryOut.textContent = "";
      if (!answer.ok) { dryOut.appendChild(el("p", answer.data.message || "refused", "error")); return; }
      var summary = el("p", answer.data.changed + " / " + answer.data.posts);
      summary.id = "dry-run-summary";
      dryOut.appendChild(summary);
      var table = el("table");
      answer.data.changes.forEach(function (c) {
        var row = el("tr");
        row.appendChild(el("td", "#" + c.event_id));
        row.appendChild(el("td", c.text));
        row.appendChild(el("td", c.what.map(function (w) {
          var before = c.before[w], after = c.after[w];
          return w + ": " + (Array.isArray(before) ? before.join(",") : before) + " → " +
            (Array.isArray(after) ? after.join(",") : after);
        }).join("; ")));
        table.appendChild(row);
      });
      dryOut.appendChild(table);
    });
  });
})();
