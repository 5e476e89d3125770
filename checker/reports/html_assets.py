"""What the HTML report's page is made of besides its content: the style sheet, the small script
that filters and sorts rows already in the page, and the Content-Security-Policy that admits only
these two, by hash (no record text is ever put inside either)."""

from __future__ import annotations

import base64
import hashlib

STYLE = """
.demo{background:#fff3cd;border:1px solid #e0b252;border-radius:4px;padding:.6em 1em;font-weight:600}
:root{--fg:#1d2430;--muted:#5b6575;--line:#d8dde5;--soft:#f4f6f9;--link:#1e5fa8}
*{box-sizing:border-box}[hidden]{display:none!important}
body{margin:0;color:var(--fg);background:#fff;font:14px/1.5 system-ui,-apple-system,"Segoe UI",
"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
main{max-width:1320px;margin:0 auto;padding:16px}
a{color:var(--link)}
h1{font-size:1.5rem;margin:0 0 .5rem}
h2{font-size:1.15rem;margin:1.75rem 0 .6rem;padding-bottom:.2rem;border-bottom:2px solid var(--line)}
h3{font-size:1rem;margin:1rem 0 .4rem}
dl.stamp{display:grid;grid-template-columns:max-content 1fr;gap:0 12px;margin:0;color:var(--muted)}
dl.stamp dt{font-weight:600}dl.stamp dd{margin:0;overflow-wrap:anywhere}
nav{margin:.8rem 0;display:flex;flex-wrap:wrap;gap:4px 14px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
.card{border:1px solid var(--line);border-left:5px solid var(--muted);border-radius:6px;
padding:6px 10px;background:var(--soft)}
.card .n{display:block;font-size:1.6rem;font-weight:700;line-height:1.2}
.card small{color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}
figure.chart{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px 10px}
figcaption{font-weight:600;margin-bottom:4px}
svg{display:block}svg text{font-size:12px;fill:var(--fg)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:var(--soft);white-space:nowrap}
td.num,th.num{text-align:right}
.js table.sortable th{cursor:pointer}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.text{min-width:16em}td.wrap{min-width:7em}
#findings-table td{white-space:nowrap}#findings-table td.text,#findings-table td.wrap{white-space:normal}
.sev{display:inline-block;padding:0 7px;border-radius:9px;color:#fff;font-size:12px;white-space:nowrap}
.sev-critical{background:#8e24aa}.sev-high{background:#c62828}.sev-medium{background:#b86e00}
.sev-low{background:#1e6fc8}.sev-info{background:#607d8b}
.card.critical{border-left-color:#8e24aa}.card.high{border-left-color:#c62828}
.card.medium{border-left-color:#b86e00}.card.low{border-left-color:#1e6fc8}.card.info{border-left-color:#607d8b}
tr.waived{color:var(--muted)}tr.waived .sev{opacity:.55}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.note,.sub{color:var(--muted);font-size:12px}
.controls{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:flex-end;margin:8px 0}
.controls label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
input,select{font:inherit;font-size:14px;padding:4px 6px;border:1px solid var(--line);border-radius:4px}
@media (max-width:640px){main{padding:8px}h1{font-size:1.25rem}.charts{grid-template-columns:1fr}}
@media print{nav,.controls{display:none!important}main{max-width:none;padding:0}body{font-size:11px}
.scroll{overflow:visible}.card,figure.chart,tr{break-inside:avoid}
#findings-table td{white-space:normal}td.text,td.wrap{min-width:0}a{color:inherit;text-decoration:none}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""

SCRIPT = """
(function () {
  "use strict";
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  document.documentElement.className = "js";
  each(document.querySelectorAll("[data-js]"), function (el) { el.hidden = false; });
  var table = document.getElementById("findings-table");
  var query = document.getElementById("filter-text");
  var shown = document.getElementById("shown");
  if (table && query && shown) {
    var rows = table.tBodies[0].rows;
    var selects = document.querySelectorAll("select[data-filter]");
    var apply = function () {
      var q = query.value.trim().toLowerCase(), n = 0;
      each(rows, function (row) {
        var ok = !q || row.textContent.toLowerCase().indexOf(q) >= 0;
        each(selects, function (s) {
          if (s.value && row.getAttribute("data-" + s.getAttribute("data-filter")) !== s.value) ok = false;
        });
        row.hidden = !ok;
        if (ok) n += 1;
      });
      shown.textContent = shown.getAttribute("data-template").replace("{n}", n);
    };
    query.addEventListener("input", apply);
    each(selects, function (s) { s.addEventListener("change", apply); });
    apply();
  }
  each(document.querySelectorAll("table.sortable"), function (t) {
    var heads = t.tHead.rows[0].cells;
    each(heads, function (th, i) {
      var sort = function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        var num = th.getAttribute("data-type") !== "text";
        each(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = t.tBodies[0], list = [];
        each(body.rows, function (row, k) {
          var cell = row.cells[i];
          var v = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
          list.push({ row: row, k: k, v: num ? (v === "" ? -Infinity : Number(v)) : v });
        });
        list.sort(function (a, b) {
          var d = num ? (a.v < b.v ? -1 : a.v > b.v ? 1 : 0) : a.v.localeCompare(b.v);
          return (up ? d : -d) || a.k - b.k;
        });
        each(list, function (e) { body.appendChild(e.row); });
      };
      th.tabIndex = 0;
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sort(); }
      });
    });
  });
})();
"""


def digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CSP = (
    f"default-src 'none'; style-src {digest(STYLE)}; script-src {digest(SCRIPT)}; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
"""Only this page's own style and script may run; no request may leave it (the icon is a data: URL)."""
