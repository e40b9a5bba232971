// milestones review pages: cards and highlighted evidence linked both ways, and the
// evidence of a missed milestone taken from a selection in the article. Works by
// keyboard; the page works without it (links jump to the evidence, evidence is pasted).
(function () {
  "use strict";
  var article = document.getElementById("article");
  if (!article) { return; }

  function marksOf(n) {
    return article.querySelectorAll('mark.ev[data-m~="' + n + '"]');
  }
  function clear(cls) {
    document.querySelectorAll("." + cls).forEach(function (el) { el.classList.remove(cls); });
  }
  function numbers(el) {
    return (el.getAttribute("data-m") || "").split(" ").filter(Boolean);
  }

  // A card chosen: its evidence marked and brought into view (and focused, by keyboard).
  function choose(n, focus) {
    clear("active");
    var card = document.getElementById("card-" + n);
    if (card) { card.classList.add("active"); }
    var marks = marksOf(n);
    marks.forEach(function (m) { m.classList.add("active"); });
    if (marks.length) {
      marks[0].scrollIntoView({ block: "center" });
      if (focus) { marks[0].focus({ preventScroll: true }); }
    }
  }
  document.querySelectorAll("a.show[data-m]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      choose(link.getAttribute("data-m"), true);
    });
  });
  // Arrived from a timeline or the milestones table (…#ev-3): that evidence, marked.
  var linked = /^#ev-(\d+)$/.exec(window.location.hash);
  if (linked) { choose(linked[1], false); }

  // Evidence hovered or focused: its milestones' cards lit; chosen: the first card.
  article.querySelectorAll("mark.ev").forEach(function (mark) {
    function light(on) {
      numbers(mark).forEach(function (n) {
        var card = document.getElementById("card-" + n);
        if (card) { card.classList.toggle("hover", on); }
      });
    }
    mark.addEventListener("mouseenter", function () { light(true); });
    mark.addEventListener("mouseleave", function () { light(false); });
    mark.addEventListener("focus", function () { light(true); });
    mark.addEventListener("blur", function () { light(false); });
    function open() {
      var n = numbers(mark)[0];
      var card = document.getElementById("card-" + n);
      if (!card) { return; }
      choose(n, false);
      card.scrollIntoView({ block: "center" });
      card.focus({ preventScroll: true });
    }
    mark.addEventListener("click", open);
    mark.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(); }
    });
  });

  // A selection in the article: the evidence of a milestone to add, with its offsets.
  var start = document.getElementById("add-start");
  var end = document.getElementById("add-end");
  var evidence = document.getElementById("add-evidence");
  var said = document.getElementById("add-selected");
  function offset(node, at) {
    var range = document.createRange();
    range.setStart(article, 0);
    range.setEnd(node, at);
    return range.toString().length;
  }
  function take() {
    var selection = window.getSelection();
    if (!start || !selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    if (!article.contains(range.startContainer) || !article.contains(range.endContainer)) { return; }
    var a = offset(range.startContainer, range.startOffset);
    var b = offset(range.endContainer, range.endOffset);
    var text = article.textContent.slice(a, b);
    var trimmed = text.replace(/^\s+/, "");
    a += text.length - trimmed.length;
    trimmed = trimmed.replace(/\s+$/, "");
    if (!trimmed) { return; }
    start.value = String(a);
    end.value = String(a + trimmed.length);
    evidence.value = trimmed;
    if (said) { said.textContent = "Evidence selected: characters " + a + " to " + (a + trimmed.length) + "."; }
  }
  article.addEventListener("mouseup", take);
  article.addEventListener("keyup", take);
  if (evidence) {
    evidence.addEventListener("input", function () { start.value = ""; end.value = ""; });
  }
})();
