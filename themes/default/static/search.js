// The portal's search. The index is made at build time (see opsbook's
// src/render/search.rs): search/meta.js lists the notes, and each
// search/NNN.js shard holds the tokens whose FNV-1a hash falls in it. Both
// are plain scripts that call the functions below, so the search works on a
// portal opened from disk (file://), where fetch() is refused.
//
// Tokens are made exactly as at build time: each run of CJK characters gives
// its overlapping two-character pairs (a lone character gives itself), each
// run of other letters and digits gives the lowercased word. A note matches
// when it has every token of the query.
(function () {
  "use strict";

  var MAX_WORD = 40;
  var meta = null;
  var shards = {};
  var waiting = {};
  var pending = null;

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

  function fnv1a(s) {
    var bytes = new TextEncoder().encode(s);
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  function shardName(n) {
    return ("00" + n).slice(-3);
  }

  function loadShard(n, done) {
    if (shards[n]) return done();
    (waiting[n] = waiting[n] || []).push(done);
    if (waiting[n].length > 1) return;
    var s = document.createElement("script");
    s.src = base() + "search/" + shardName(n) + ".js";
    document.head.appendChild(s);
  }

  // Where the index lives, from this script's own address.
  function base() {
    var me = document.querySelector('script[src$="static/search.js"]');
    return me ? me.getAttribute("src").replace(/static\/search\.js$/, "") : "";
  }

  function docsOf(token) {
    var gaps = shards[fnv1a(token) % meta.shards][token] || [];
    var docs = [];
    var at = 0;
    for (var i = 0; i < gaps.length; i++) {
      at += gaps[i];
      docs.push(at);
    }
    return docs;
  }

  function search(query, show) {
    var wanted = tokens(query);
    if (!wanted.length) return show(null);
    var need = {};
    wanted.forEach(function (t) { need[fnv1a(t) % meta.shards] = true; });
    var left = Object.keys(need).length;
    Object.keys(need).forEach(function (n) {
      loadShard(Number(n), function () {
        if (--left > 0) return;
        var result = null;
        wanted.forEach(function (t) {
          var docs = docsOf(t);
          result = result === null ? docs : result.filter(function (d) { return docs.indexOf(d) >= 0; });
        });
        show(result);
      });
    });
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
    search(query, function (docs) {
      list.textContent = "";
      if (docs === null) {
        status.textContent = "";
        return;
      }
      status.textContent = docs.length
        ? status.dataset.results.replace("{n}", docs.length)
        : status.dataset.none;
      docs.forEach(function (d) {
        var doc = meta.docs[d];
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = base() + doc[0];
        a.textContent = doc[1];
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = (meta.kinds[doc[2]] || doc[2]) + (doc[3] ? " · " + doc[3] : "");
        li.appendChild(a);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(kind);
        list.appendChild(li);
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
      shards[n] = postings;
      (waiting[n] || []).forEach(function (done) { done(); });
      delete waiting[n];
    },
    // For scripts and tests: calls back with the matching pages' urls.
    find: function (query, done) {
      search(query, function (docs) {
        done((docs || []).map(function (d) { return meta.docs[d][0]; }));
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
