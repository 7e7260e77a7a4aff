// Measures built portal pages in one headless Chromium run (see browser.rs).
// The page that runs this script sets `window.MEASURE` to
// `{ pages: [{ url, mode, width }], axe: URL or null }` and is opened with
// --allow-file-access-from-files, so it may read the pages it loads into
// iframes. It writes one JSON object into <pre id="result">, which the test
// reads from --dump-dom.
//
// Modes:
// - "screen": the page as the client sees it on a screen `width` px wide.
// - "print": the page laid out as on paper: every `@media print` rule of its
//   stylesheets applies, in a viewport as wide as the page box of an A4 sheet
//   (`width`, 703 px = 186 mm at 96 px per inch, what @page's margins leave).
//   Chromium prints at that width, so what overflows here overflows the page.
// - "axe": the screen page checked by axe-core.
// - "search": the search page (`url` with its `?q=`), once it has answered:
//   its status line and results.
(function () {
  "use strict";

  function load(url, width) {
    return new Promise(function (done, fail) {
      var frame = document.createElement("iframe");
      frame.style.width = width + "px";
      frame.style.height = "900px";
      frame.onload = function () { done(frame); };
      frame.onerror = fail;
      frame.src = url;
      document.body.appendChild(frame);
    });
  }

  // How many lines a node's text takes: the distinct tops of its line boxes.
  function lines(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var tops = {};
    var rects = range.getClientRects();
    for (var i = 0; i < rects.length; i++) {
      if (rects[i].width > 0) tops[Math.round(rects[i].top)] = true;
    }
    return Object.keys(tops).length;
  }

  function text(el) {
    return el.textContent.replace(/\s+/g, " ").trim();
  }

  function printRules(doc) {
    for (var s = 0; s < doc.styleSheets.length; s++) {
      var rules = doc.styleSheets[s].cssRules;
      for (var r = 0; r < rules.length; r++) {
        var media = rules[r].media;
        if (media && media.mediaText.indexOf("print") >= 0) media.mediaText = "all";
      }
    }
  }

  // What a reader would see go wrong with the page's tables.
  function layout(doc, win, mode) {
    var out = { wrapped: [], narrow: [], overflow: [], tables: 0 };
    var page = doc.documentElement.clientWidth;
    out.page_width = page;
    out.scroll_width = doc.documentElement.scrollWidth;
    var main = doc.querySelector("main");
    out.main_width = main ? main.getBoundingClientRect().width : 0;
    // Numbers, dates, durations and short words: one line; so are the
    // headers of registers on a screen.
    var keep = doc.querySelectorAll(".id, .when, .dur, .short" + (mode === "print" ? "" : ", table.list th"));
    // Each run of text on its own: a note set below a duration as a block
    // ("超过时限") is a second line, not a wrapped one.
    for (var i = 0; i < keep.length; i++) {
      var walk = doc.createTreeWalker(keep[i], NodeFilter.SHOW_TEXT);
      while (walk.nextNode()) {
        if (walk.currentNode.data.trim() && lines(walk.currentNode) > 1) {
          out.wrapped.push(text(keep[i]));
          break;
        }
      }
    }
    var tables = doc.querySelectorAll("table");
    for (var t = 0; t < tables.length; t++) {
      var table = tables[t];
      if (!table.getClientRects().length) continue; // not shown (a closed <details>)
      out.tables++;
      // Half of a collapsed outer border lies outside the table's box.
      // A table in a box that scrolls may be wider than the page; the box
      // may not.
      var scroller = table.closest(".scroll");
      var scrolls = scroller && win.getComputedStyle(scroller).overflowX !== "visible";
      var edge = scrolls ? scroller : table;
      var box = edge.getBoundingClientRect();
      var border = parseFloat(win.getComputedStyle(edge).borderRightWidth) || 0;
      if (box.right + border / 2 > page + 0.01 || box.left < -0.01) {
        out.overflow.push((table.className || "table") + " " + box.left.toFixed(1) + "–" +
          (box.right + border / 2).toFixed(1) + " of " + page);
      }
      // A column squeezed to a character or two a line ("高" over "危").
      // A header may break in two ("危险" over "等级").
      var cells = table.querySelectorAll("td, th");
      for (var c = 0; c < cells.length; c++) {
        var words = text(cells[c]);
        var n = lines(cells[c]);
        var least = cells[c].tagName === "TH" ? 2 : 3;
        if (n > 1 && Array.from(words).length / n < least) out.narrow.push(words);
      }
    }
    // Statuses that colour alone would tell apart: each carries a mark too
    // (a sign before its word, a shape in a calendar).
    out.unmarked = [];
    var marked = doc.querySelectorAll(".ok, .late, td.sla-met, td.sla-breached, td.sla-pending");
    for (var m = 0; m < marked.length; m++) {
      var content = win.getComputedStyle(marked[m], "::before").content;
      if (!content || content === "none" || content === "normal" || content === '""') {
        out.unmarked.push(text(marked[m]) || marked[m].className);
      }
    }
    var shapes = doc.querySelectorAll(".cell.d-missing, .cell.d-pending, rect.d-missing, rect.d-pending");
    for (var q = 0; q < shapes.length; q++) {
      var style = win.getComputedStyle(shapes[q]);
      var round = shapes[q].tagName.toLowerCase() === "rect" ? style.rx : style.borderRadius;
      if (!round || round === "auto" || parseFloat(round) === 0) out.unmarked.push(shapes[q].getAttribute("class"));
    }
    var scrollers = doc.querySelectorAll(".scroll");
    out.scrolling = 0;
    for (var k = 0; k < scrollers.length; k++) {
      if (scrollers[k].scrollWidth > scrollers[k].clientWidth) out.scrolling++;
    }
    return out;
  }

  function axe(frame, url) {
    var doc = frame.contentDocument;
    return new Promise(function (done, fail) {
      var s = doc.createElement("script");
      s.src = url;
      s.onload = done;
      s.onerror = function () { fail(new Error("axe-core did not load from " + url)); };
      doc.head.appendChild(s);
    }).then(function () {
      return frame.contentWindow.axe.run(doc, { resultTypes: ["violations"] });
    }).then(function (r) {
      return r.violations.map(function (v) {
        return {
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.slice(0, 5).map(function (n) { return n.target.join(" "); })
        };
      });
    });
  }

  function sleep(ms) {
    return new Promise(function (done) { setTimeout(done, ms); });
  }

  // The search page once it has answered (its status neither empty nor
  // "loading"), or after ten seconds.
  async function searched(doc) {
    var status = doc.getElementById("search-status");
    for (var i = 0; i < 100; i++) {
      var said = status.textContent;
      if (said && said !== status.dataset.loading) break;
      await sleep(100);
    }
    return {
      status: status.textContent,
      results: Array.from(doc.querySelectorAll("#search-results > li")).map(function (li) {
        var a = li.querySelector("a");
        var mark = li.querySelector("mark");
        return {
          href: a.getAttribute("href"),
          title: text(a),
          about: text(li.querySelector(".kind")),
          snippet: text(li.querySelector(".snippet")),
          mark: mark ? text(mark) : null
        };
      })
    };
  }

  async function run() {
    var config = window.MEASURE;
    var results = [];
    for (var i = 0; i < config.pages.length; i++) {
      var p = config.pages[i];
      var frame = await load(p.url, p.width);
      var doc = frame.contentDocument;
      var result = { url: p.url, mode: p.mode, width: p.width };
      if (p.mode === "print") {
        doc.documentElement.style.scrollbarWidth = "none";
        printRules(doc);
      }
      if (p.mode === "axe") {
        result.violations = await axe(frame, config.axe);
      } else if (p.mode === "search") {
        result.search = await searched(doc);
      } else {
        result.layout = layout(doc, frame.contentWindow, p.mode);
      }
      results.push(result);
      frame.remove();
    }
    return results;
  }

  run().then(function (results) {
    document.getElementById("result").textContent = JSON.stringify({ results: results });
  }, function (e) {
    document.getElementById("result").textContent = JSON.stringify({ error: String(e && e.stack || e) });
  });
})();
