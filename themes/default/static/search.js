// The portal's search. The index is made at build time (see opsbook's
// src/render/search.rs): search/meta.js lists the notes, each search/NNN.js
// shard holds the tokens whose FNV-1a hash falls in it, and each
// search/text/NNN.js the plain text of a run of notes, for snippets. All are
// plain scripts that call the functions below, so the search works on a
// portal opened from disk (file://), where fetch() is refused.
//
// Tokens are made exactly as at build time: each run of CJK characters gives
// its overlapping two-character pairs (a lone character gives itself), each
// run of other letters and digits gives the lowercased word. A note matches
// when it has every token of the query; a query that is a record's number
// ("INC-250108-01") also finds that record, first. Results are ranked by the
// sum of their tokens' scores (how often, and whether in the title), then
// newest first.
(function () {
  "use strict";

  var MAX_WORD = 40;
  // As search.rs: the fewest letters a query needs, and how many results
  // are shown, each with its snippet.
  var MIN_QUERY = 2;
  var SHOWN = 50;
  // Characters of a snippet before and after the match.
  var BEFORE = 30;
  var AFTER = 90;
  var meta = null;
  var shards = {};
  var texts = {};
  var waiting = {};
  var pending = null;
  var current = 0;

  function isCjk(cp) {
    return (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
      (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x2ffff);
  }

  var ALNUM = /[\p{Alphabetic}\p{N}]/u;

  function tokens(text) {
    var chars = Array.from(text);
    var out = [];
    var i = 0;
    while (i < chars.length) {
      var cp = chars[i].codePointAt(0);
      if (isCjk(cp)) {
        var j = i + 1;
        while (j < chars.length && isCjk(chars[j].codePointAt(0))) {
          out.push(chars[j - 1] + chars[j]);
          j++;
        }
        if (j === i + 1) out.push(chars[i]);
        i = j;
      } else if (ALNUM.test(chars[i])) {
        var k = i + 1;
        while (k < chars.length && ALNUM.test(chars[k]) && !isCjk(chars[k].codePointAt(0))) k++;
        out.push(chars.slice(i, Math.min(k, i + MAX_WORD)).join("").toLowerCase());
        i = k;
      } else {
        i++;
      }
    }
    return out.filter(function (t, n) { return out.indexOf(t) === n; });
  }

  function longEnough(query) {
    return Array.from(query).filter(function (c) { return ALNUM.test(c); }).length >= MIN_QUERY;
  }

  // The whole query, when it could be a record's number.
  function exactOf(query) {
    var q = query.trim().toLowerCase();
    return q && !/\s/.test(q) ? q : null;
  }

  function fnv1a(s) {
    var bytes = new TextEncoder().encode(s);
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  function fileName(n) {
    return ("00" + n).slice(-3) + ".js";
  }

  // Loads search/<dir>NNN.js once, then calls done.
  function load(key, path, done) {
    if (key in shards || key in texts) return done();
    (waiting[key] = waiting[key] || []).push(done);
    if (waiting[key].length > 1) return;
    var s = document.createElement("script");
    s.src = base() + "search/" + path;
    document.head.appendChild(s);
  }

  function loaded(key) {
    var calls = waiting[key] || [];
    delete waiting[key];
    calls.forEach(function (done) { done(); });
  }

  function loadAll(keys, paths, done) {
    var left = keys.length;
    if (!left) return done();
    keys.forEach(function (key, i) {
      load(key, paths[i], function () { if (--left === 0) done(); });
    });
  }

  // Where the index lives, from this script's own address.
  function base() {
    var me = document.querySelector('script[src$="static/search.js"]');
    return me ? me.getAttribute("src").replace(/static\/search\.js$/, "") : "";
  }

  function shardOf(token) {
    return fnv1a(token) % meta.shards;
  }

  // The notes that have `token`, with its score in each.
  function postings(token) {
    var pairs = shards["s" + shardOf(token)][token] || [];
    var docs = {};
    var at = 0;
    for (var i = 0; i + 1 < pairs.length; i += 2) {
      at += pairs[i];
      docs[at] = pairs[i + 1];
    }
    return docs;
  }

  // Calls back with the ranked note numbers, or null for no query, or
  // "short" for a query under MIN_QUERY letters.
  function search(query, done) {
    if (!query.trim()) return done(null);
    if (!longEnough(query)) return done("short");
    var wanted = tokens(query);
    var exact = exactOf(query);
    var all = exact ? wanted.concat([exact]) : wanted;
    var keys = [];
    var paths = [];
    all.forEach(function (t) {
      var key = "s" + shardOf(t);
      if (keys.indexOf(key) < 0) {
        keys.push(key);
        paths.push(fileName(shardOf(t)));
      }
    });
    loadAll(keys, paths, function () {
      var found = null;
      wanted.forEach(function (t) {
        var docs = postings(t);
        var next = {};
        if (found === null) {
          next = docs;
        } else {
          Object.keys(found).forEach(function (d) {
            if (d in docs) next[d] = found[d] + docs[d];
          });
        }
        found = next;
      });
      found = found || {};
      if (exact) {
        var ids = postings(exact);
        Object.keys(ids).forEach(function (d) { found[d] = (found[d] || 0) + ids[d]; });
      }
      var ranked = Object.keys(found).map(Number);
      ranked.sort(function (a, b) {
        if (found[b] !== found[a]) return found[b] - found[a];
        var da = meta.docs[a][3], db = meta.docs[b][3];
        if (da !== db) return da < db ? 1 : -1;
        return a - b;
      });
      done(ranked);
    });
  }

  function textOf(d) {
    var chunk = texts["t" + Math.floor(d / meta.text_chunk)];
    return chunk ? chunk[d % meta.text_chunk] || "" : "";
  }

  // Loads the texts of notes `docs`, then calls done.
  function loadTexts(docs, done) {
    var keys = [];
    var paths = [];
    docs.forEach(function (d) {
      var n = Math.floor(d / meta.text_chunk);
      if (keys.indexOf("t" + n) < 0) {
        keys.push("t" + n);
        paths.push("text/" + fileName(n));
      }
    });
    loadAll(keys, paths, done);
  }

  // The part of `text` around the query's first appearance (the whole query,
  // else its longest token), as [before, match, after]. A record found by its
  // number, or by short words only ("01"), shows the start of its text.
  function snippet(text, query, id) {
    var lower = text.toLowerCase();
    var whole = query.trim().toLowerCase();
    if (id && whole === id.toLowerCase()) whole = "";
    var needles = [whole].concat(tokens(whole).filter(function (t) {
      return isCjk(t.codePointAt(0)) ? t.length > 1 : t.length > 2;
    }).sort(function (a, b) {
      return b.length - a.length;
    }));
    for (var i = 0; i < needles.length; i++) {
      var at = needles[i] ? lower.indexOf(needles[i]) : -1;
      if (at < 0) continue;
      var chars = Array.from(text);
      var start = Array.from(text.slice(0, at)).length;
      var len = Array.from(needles[i]).length;
      var from = Math.max(0, start - BEFORE);
      var to = Math.min(chars.length, start + len + AFTER);
      return [
        (from > 0 ? "…" : "") + chars.slice(from, start).join(""),
        chars.slice(start, start + len).join(""),
        chars.slice(start + len, to).join("") + (to < chars.length ? "…" : "")
      ];
    }
    var head = Array.from(text);
    return [head.slice(0, AFTER).join("") + (head.length > AFTER ? "…" : ""), "", ""];
  }

  function item(d, query) {
    var doc = meta.docs[d];
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = base() + doc[0];
    a.className = "title";
    a.textContent = doc[1];
    li.appendChild(a);
    var about = document.createElement("span");
    about.className = "kind";
    var parts = [meta.kinds[doc[2]] || doc[2]];
    if (doc[4] && doc[1].indexOf(doc[4]) < 0) parts.push(doc[4]);
    if (doc[3] && doc[1].indexOf(doc[3]) < 0) parts.push(doc[3]);
    about.textContent = parts.join(" · ");
    li.appendChild(document.createTextNode(" "));
    li.appendChild(about);
    var cut = snippet(textOf(d), query, doc[4]);
    var p = document.createElement("p");
    p.className = "snippet";
    p.appendChild(document.createTextNode(cut[0]));
    if (cut[1]) {
      var mark = document.createElement("mark");
      mark.textContent = cut[1];
      p.appendChild(mark);
    }
    p.appendChild(document.createTextNode(cut[2]));
    li.appendChild(p);
    return li;
  }

  function show(query) {
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    if (!status || !list) return;
    if (!meta) {
      status.textContent = status.dataset.loading;
      pending = query;
      return;
    }
    var run = ++current;
    search(query, function (docs) {
      if (docs === null || docs === "short") {
        if (run !== current) return;
        list.textContent = "";
        status.textContent = docs === "short" ? status.dataset.short : "";
        return;
      }
      var shown = docs.slice(0, SHOWN);
      loadTexts(shown, function () {
        // A later query has taken over.
        if (run !== current) return;
        list.textContent = "";
        status.textContent = !docs.length ? status.dataset.none
          : docs.length > shown.length
            ? status.dataset.shown.replace("{n}", docs.length).replace("{shown}", shown.length)
            : status.dataset.results.replace("{n}", docs.length);
        shown.forEach(function (d) { list.appendChild(item(d, query)); });
      });
    });
  }

  window.opsbookSearch = {
    tokens: tokens,
    meta: function (m) {
      meta = m;
      if (pending !== null) show(pending);
    },
    shard: function (n, postings) {
      shards["s" + n] = postings;
      loaded("s" + n);
    },
    text: function (n, list) {
      texts["t" + n] = list;
      loaded("t" + n);
    },
    // For scripts and tests: calls back with the matching pages' urls,
    // most relevant first.
    find: function (query, done) {
      search(query, function (docs) {
        done(Array.isArray(docs) ? docs.map(function (d) { return meta.docs[d][0]; }) : []);
      });
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("search-form");
    var input = document.getElementById("search-input");
    if (!form || !input) return;
    var q = new URLSearchParams(window.location.search).get("q") || "";
    input.value = q;
    if (q) show(q);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { show(input.value); }, 150);
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      show(input.value);
    });
  });
})();
